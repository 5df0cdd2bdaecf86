#!/bin/sh
# html.sh -- the --html summary: well-formed, self-contained (no network
# request), report text escaped, the numbers right; rendered by headless
# Chromium and the screenshot checked not to be blank
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
data=$top_srcdir/tests/data/ingest
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d /tmp/ingest-html.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$bin" -n -q --rdns -Z "$data/ptr.zone" --html "$tmp/sum.html" \
    "$data/q28-multi-auth.xml" "$data/q30-ipv6-empty.xml" \
    "$data/html-fail.xml" "$data/q31-mx-host.json" "$data/q32-oddities.json"
rc=$?
shot=skip
if command -v chromium >/dev/null 2>&1; then
	# a private profile and no sandbox (root in CI); output is a PNG
	HOME=$tmp timeout 120 chromium --headless --disable-gpu --no-sandbox \
	    --hide-scrollbars --user-data-dir="$tmp/profile" \
	    --screenshot="$tmp/shot.png" --window-size=900,700 \
	    "file://$tmp/sum.html" >"$tmp/chromium.log" 2>&1
	shot=$tmp/shot.png
fi
exec python3 - "$tmp/sum.html" "$rc" "$shot" <<'PY'
import html.parser, re, struct, sys, zlib

path, rc, shot = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = {"p": 0, "f": 0}


def check(ok, what, detail=""):
    n["p" if ok else "f"] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n["p"] + n["f"], what))
    if not ok and detail:
        print("#   " + detail)


check(rc == 0, "dmarc-ingest --html exits 0", "rc %d" % rc)
page = open(path, encoding="utf-8").read()


class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad, self.tags, self.urls = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") or (v and "url(" in v):
                self.urls.append((tag, k, v))
        if tag not in ("meta", "br", "rect", "polyline"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("rect", "polyline"):
            return
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)


p = P()
p.feed(page)
check(not p.bad and not p.stack, "well-formed (tags balanced)", repr(p.bad[:3]))
check(not p.urls and "@import" not in page and "<script" not in page.replace("&lt;script", ""),
      "self-contained: no src, href, url(), @import or script", repr(p.urls[:3]))
check("svg" in p.tags and "polyline" in p.tags, "inline SVG chart")
check("<h2>example.com</h2>" in page and "<h2>example.net</h2>" in page,
      "one section per policy domain")
check("spoof&lt;script&gt;.example" in page and "<script>" not in page,
      "report text escaped")
check(re.search(r"<tr class=\"fail\"><td>198\.51\.100\.7</td><td>40</td><td>0\.0%</td>"
                r"<td>spf fail \(spoof&lt;script&gt;\.example\)</td>", page) is not None,
      "failing source with its SPF detail")
check(re.search(r"<tr><td>outlook\.com</td><td>1</td><td>100\.0%</td>", page) is not None,
      "source grouped by reverse-DNS base domain")
check("3 aggregate reports, 42 messages, 4.8% pass DMARC" in page, "volume per domain", page[page.find("<h2>example.com"):][:200])
check("certificate-expired: 1" in page and "Testing: 99" in page,
      "TLS failure result types")
if shot == "skip":
    print("ok %d # SKIP chromium not installed: no screenshot" % (n["p"] + n["f"] + 1))
else:
    try:
        png = open(shot, "rb").read()
        ok = png[:8] == b"\x89PNG\r\n\x1a\n"
        pos, idat, w = 8, b"", 0
        while ok and pos < len(png):
            ln, typ = struct.unpack(">I4s", png[pos:pos + 8])
            if typ == b"IHDR":
                w = struct.unpack(">I", png[pos + 8:pos + 12])[0]
            if typ == b"IDAT":
                idat += png[pos + 8:pos + 8 + ln]
            pos += 12 + ln
        raw = zlib.decompress(idat) if ok else b""
        distinct = len(set(raw))
        check(ok and w == 900 and distinct > 16,
              "Chromium screenshot is a 900-px PNG and not blank (%d byte values)" % distinct)
    except (OSError, zlib.error, struct.error) as e:
        check(False, "Chromium screenshot", str(e))
print("%d passed, %d failed" % (n["p"], n["f"]))
sys.exit(1 if n["f"] else 0)
PY
