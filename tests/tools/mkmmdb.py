#!/usr/bin/env python3
# mkmmdb.py -- write a small MaxMind DB (.mmdb) file for the tests
#
# usage: mkmmdb.py OUT.mmdb NETWORK=CC[:registered] ...
#
# Written from the published MaxMind DB File Format Specification 2.0 (no
# package ships a test .mmdb): an IPv6 search tree with 24-bit records,
# IPv4 networks placed at ::a.b.c.d/96+len (where libmaxminddb looks IPv4
# addresses up), a data section holding one map per network, and the
# metadata map after the "\xab\xcd\xefMaxMind.com" marker.  Each network
# maps to {"country": {"iso_code": CC, "names": {"en": CC}}}, or with
# ":registered" to {"registered_country": {"iso_code": CC}} only (an
# anycast or satellite range: no country of its own).
import ipaddress
import struct
import sys
import time


def ctrl(typ, size):
    """The control byte(s) of a field: type, then size (spec 'Data')."""
    if size < 29:
        sz, ext = size, b""
    elif size < 29 + 256:
        sz, ext = 29, bytes([size - 29])
    elif size < 285 + 65536:
        sz, ext = 30, struct.pack(">H", size - 285)
    else:
        sz, ext = 31, struct.pack(">I", size - 65821)[1:]
    if typ <= 7:
        return bytes([(typ << 5) | sz]) + ext
    return bytes([sz, typ - 7]) + ext


def enc(v):
    """One value in the data section format."""
    if isinstance(v, str):
        b = v.encode()
        return ctrl(2, len(b)) + b
    if isinstance(v, dict):
        out = ctrl(7, len(v))
        for k, x in v.items():
            out += enc(k) + enc(x)
        return out
    if isinstance(v, list):
        return ctrl(11, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, tuple):        # (type, int): uint16 / uint32 / uint64
        typ, n = v
        b = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
        return ctrl(typ, len(b)) + b
    raise TypeError(v)


def u16(n):
    return (5, n)


def u32(n):
    return (6, n)


def u64(n):
    return (9, n)


def bits(net):
    """The 128 tree bits of a network and its prefix length."""
    if net.version == 4:
        return int(net.network_address), 96 + net.prefixlen
    return int(net.network_address), net.prefixlen


def build(entries):
    """Search tree nodes ([left, right]) and the data section."""
    nodes, data = [[None, None]], b""
    for net, value in entries:
        off = len(data)
        data += enc(value)
        addr, plen = bits(net)
        n = 0
        for i in range(plen):
            b = (addr >> (127 - i)) & 1
            if i == plen - 1:
                nodes[n][b] = ("data", off)
                break
            if nodes[n][b] is None:
                nodes.append([None, None])
                nodes[n][b] = ("node", len(nodes) - 1)
            if nodes[n][b][0] != "node":
                raise SystemExit("mkmmdb: nested networks not supported")
            n = nodes[n][b][1]
    count = len(nodes)
    tree = b""
    for left, right in nodes:
        for r in (left, right):
            if r is None:
                v = count                   # no data
            elif r[0] == "node":
                v = r[1]
            else:
                v = count + 16 + r[1]       # past the 16-byte separator
            tree += v.to_bytes(3, "big")
    return count, tree, data


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    entries = []
    for s in specs:
        net, cc = s.split("=", 1)
        if cc.endswith(":registered"):
            value = {"registered_country": {"iso_code": cc.split(":")[0]}}
        else:
            value = {"country": {"iso_code": cc, "names": {"en": cc}}}
        entries.append((ipaddress.ip_network(net), value))
    count, tree, data = build(entries)
    meta = {"node_count": u32(count), "record_size": u16(24),
            "ip_version": u16(6), "database_type": "dmarcd-Test-Country",
            "languages": ["en"], "binary_format_major_version": u16(2),
            "binary_format_minor_version": u16(0),
            "build_epoch": u64(int(time.time())),
            "description": {"en": "dmarcd test data"}}
    with open(out, "wb") as f:
        f.write(tree + b"\0" * 16 + data + b"\xab\xcd\xefMaxMind.com" +
                enc(meta))


main()
