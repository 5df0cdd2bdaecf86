-- reload-run.lua -- the miltertest half of reload.sh: reloads on SIGHUP
-- and SIGUSR1 change new connections only.
--
-- SYNOPSIS
--	miltertest -D socket=local:SOCK -D srcdir=DIR -D conf=FILE \
--	    -D pid=PID -D log=FILE -D zone=FILE -s reload-run.lua
--
-- DESCRIPTION
--	reload.sh starts dmarcd with configuration "A" (AuthservID mx.test,
--	RejectFailures no) and runs this script, which rewrites the
--	configuration file itself, signals the daemon (os.execute kill) and
--	waits for the daemon's log to say the reload happened.  Every
--	message is a DMARC failure of reject.example (p=reject, no SPF or
--	DKIM results), so the verdict shows which configuration decided:
--	A continues with an A-R from mx.test, B (AuthservID mx-b.test,
--	RejectFailures yes) rejects at end of message.
--
--	  1. connection 1, message 1 under A: continue, A-R by mx.test
--	  2. message 2 on connection 1 up to end of headers, SIGHUP to B,
--	     then body and EOM: still A (a message in flight)
--	  3. message 3 on connection 1: still A (the connection is pinned)
--	  4. connection 2: B, rejected
--	  5. SIGUSR1 back to A; connection 2 stays B, connection 3 is A
--	  6. a broken B (unknown key): "reload failed", connection 4 is A
--	  7. connections 1-3 closed (the old configurations are freed:
--	     ASan sees a use after free), connection 5 is still A
--
--	Each check echoes "ok - ..." or "not ok - ..."; reload.sh counts
--	them.

local T = dofile(srcdir .. "/common.lua")

local CONF_A = { "AuthservID mx.test", "RejectFailures no" }
local CONF_B = { "AuthservID mx-b.test", "RejectFailures yes" }

-- write_conf - the configuration file: the fixed keys plus extra lines
local function write_conf(extra)
	local fp = assert(io.open(conf, "w"))
	fp:write("TrustedAuthservIDs mx.test, mx-b.test\n")
	fp:write("TestDNSData " .. zone .. "\n")
	for _, l in ipairs(extra) do
		fp:write(l .. "\n")
	end
	fp:close()
end

-- count_log - how often the daemon's log contains the plain text s
local function count_log(s)
	local fp = io.open(log, "r")
	if fp == nil then
		return 0
	end
	local text = fp:read("a")
	fp:close()
	local n, at = 0, 1
	while true do
		local i, j = string.find(text, s, at, true)
		if i == nil then
			return n
		end
		n, at = n + 1, j + 1
	end
end

-- signal - send sig and wait (10 s at most) for one more log line "what"
local function signal(sig, what)
	local before = count_log(what)
	if not os.execute("kill -" .. sig .. " " .. pid) then
		T.die("kill -" .. sig .. " " .. pid .. " failed")
	end
	for _ = 1, 100 do
		if count_log(what) > before then
			return true
		end
		os.execute("sleep 0.1")
	end
	return false
end

-- msg - a failing message of reject.example
local function msg(conn, subject)
	return {
		conn = conn,
		from = "<user@reject.example>",
		headers = {
			{ "From", "user@reject.example" },
			{ "Subject", subject },
		},
	}
end

-- is_a - the verdict of configuration A: continue, A-R by mx.test
local function is_a(r, what)
	T.show(r)
	T.check(T.continued(r), what .. ": message continues (A)")
	local v = T.find_ar(r, "dmarc=fail", "header.from=reject.example")
	T.check(v ~= nil and string.find(v, "^%s*mx%.test;") ~= nil,
	    what .. ": A-R dmarc=fail by mx.test (A)")
end

-- is_b - the verdict of configuration B: rejected at end of message
local function is_b(r, what)
	T.show(r)
	T.check(r.stage == "eom" and T.rejected(r),
	    what .. ": rejected at end of message (B)")
end

-- open - a new connection, through HELO, for msg{conn = ...}
local function open()
	local r = T.send{ from = "<probe@none.example>",
	    headers = { { "From", "probe@none.example" } } }
	if not T.continued(r) then
		T.die("a p=none message did not go through")
	end
	return r.conn
end

-- in_flight - message 2: headers under A, SIGHUP to B, then EOM
local function in_flight(conn)
	local m = msg(conn, "in flight")
	mt.macro(conn, SMFIC_MAIL, "i", "reload-2")
	if mt.mailfrom(conn, m.from) ~= nil or
	    mt.getreply(conn) ~= SMFIR_CONTINUE then
		T.die("in flight: MAIL")
	end
	if not mt.test_option(conn, SMFIP_NORCPT) and
	    (mt.rcptto(conn, "<postmaster@mx.test>") ~= nil or
	    mt.getreply(conn) ~= SMFIR_CONTINUE) then
		T.die("in flight: RCPT")
	end
	for _, h in ipairs(m.headers) do
		if not mt.test_option(conn, SMFIP_NOHDRS) and
		    mt.header(conn, h[1], h[2]) ~= nil then
			T.die("in flight: header")
		end
	end
	if not mt.test_option(conn, SMFIP_NOEOH) and mt.eoh(conn) ~= nil then
		T.die("in flight: EOH")
	end
	write_conf(CONF_B)
	T.check(signal("HUP", "configuration reloaded"),
	    "SIGHUP: daemon logs configuration reloaded")
	if not mt.test_option(conn, SMFIP_NOBODY) and
	    mt.bodystring(conn, "Hello.\r\n") ~= nil then
		T.die("in flight: body")
	end
	if mt.eom(conn) ~= nil then
		T.die("in flight: EOM")
	end
	local r = { conn = conn, stage = "eom", reply = mt.getreply(conn),
	    ar = {} }
	r.ar[1] = mt.getheader(conn, "Authentication-Results", 0)
	return r
end

-- step 1-3: connection 1 keeps A across the SIGHUP
local c1 = open()
is_a(T.send(msg(c1, "before")), "conn 1 msg 1")
is_a(in_flight(c1), "conn 1 msg 2 (in flight at SIGHUP)")
is_a(T.send(msg(c1, "after")), "conn 1 msg 3 (after SIGHUP)")

-- step 4: a new connection gets B
local c2 = open()
is_b(T.send(msg(c2, "new")), "conn 2 msg 1 (after SIGHUP)")

-- step 5: SIGUSR1 back to A
write_conf(CONF_A)
T.check(signal("USR1", "configuration reloaded"),
    "SIGUSR1: daemon logs configuration reloaded")
is_b(T.send(msg(c2, "after USR1")), "conn 2 msg 2 (after SIGUSR1)")
local c3 = open()
is_a(T.send(msg(c3, "new")), "conn 3 msg 1 (after SIGUSR1)")
is_a(T.send(msg(c1, "still")), "conn 1 msg 4 (after SIGUSR1)")

-- step 6: a broken configuration changes nothing
write_conf({ "AuthservID mx-b.test", "RejectFailures yes",
    "NoSuchKeyForReloadTest yes" })
T.check(signal("HUP", "reload failed, keeping the running configuration"),
    "broken SIGHUP: daemon logs reload failed")
local c4 = open()
is_a(T.send(msg(c4, "broken")), "conn 4 msg 1 (after broken SIGHUP)")
is_b(T.send(msg(c2, "broken")), "conn 2 msg 3 (after broken SIGHUP)")

-- step 7: close everything, the old configurations go; A still serves
for _, c in ipairs({ c1, c2, c3, c4 }) do
	mt.disconnect(c)
end
local c5 = open()
is_a(T.send(msg(c5, "last")), "conn 5 msg 1 (after closing all)")
mt.disconnect(c5)
T.done()
