-- common.lua -- helpers shared by the miltertest scenarios (t-*.lua)
--
-- SYNOPSIS
--	local T = dofile(srcdir .. "/common.lua")
--	local r = T.send{ from = "<a@x.example>", headers = {{"From", "a@x.example"}} }
--	T.check(r.eom == SMFIR_CONTINUE, "continue")
--	T.check(T.find_ar(r, "dmarc=pass"), "A-R says pass")
--	T.done()
--
-- DESCRIPTION
--	miltertest.sh starts dmarcd and runs each script with the globals
--	socket (the filter's socket), srcdir (this directory) and testname.
--	T.send plays one SMTP transaction against the filter and stops at
--	the first stage the filter answers with anything but CONTINUE, so a
--	script sees where and how the filter decided:
--
--	  r.stage	"connect", "mail", "rcpt", "header" or "eom"
--	  r.reply	the reply code at that stage (SMFIR_*)
--	  r.ar		Authentication-Results values added at EOM, in order
--
--	Protocol steps the filter declined at negotiation (SMFIP_NO*) are
--	skipped, as an MTA would.  The "i" macro is sent at MAIL and RCPT
--	(Postfix assigns the queue id late, so filters read it at EOM).
--
--	miltertest prints nothing when a script raises an error, so every
--	failure is echoed first ("not ok - ...") and T.done() raises one
--	error at the end if any check failed.

local T = { failed = 0, checks = 0 }

-- T.check - record one assertion and echo it
function T.check(cond, what)
	T.checks = T.checks + 1
	if cond then
		mt.echo("ok - " .. what)
	else
		mt.echo("not ok - " .. what)
		T.failed = T.failed + 1
	end
	return cond
end

-- T.die - a protocol step failed: the scenario cannot go on
function T.die(what)
	mt.echo("not ok - " .. what)
	error(what)
end

-- step - run one mt.* call that returns nil on success
local function step(what, err)
	if err ~= nil then
		T.die(what .. ": " .. tostring(err))
	end
end

-- T.connect - open a new milter connection (the filter may still be starting)
function T.connect()
	local conn = mt.connect(socket, 50, 0.1)
	if conn == nil then
		T.die("cannot connect to " .. tostring(socket))
	end
	return conn
end

-- T.send - one transaction; see DESCRIPTION for the fields of m and r
function T.send(m)
	local conn = m.conn or T.connect()
	local r = { conn = conn, ar = {} }
	local jobid = m.jobid or testname or "t-unknown"

	if m.conn == nil then
		mt.macro(conn, SMFIC_CONNECT, "j", "mx.test",
		    "{daemon_name}", "mx.test")
		step("conninfo", mt.conninfo(conn, m.host or "client.example",
		    m.ip or "192.0.2.10"))
		r.stage, r.reply = "connect", mt.getreply(conn)
		if r.reply ~= SMFIR_CONTINUE then
			return r
		end
		if not mt.test_option(conn, SMFIP_NOHELO) then
			step("helo", mt.helo(conn, m.helo or "client.example"))
		end
	end

	local macros = { "i", jobid }
	if m.auth ~= nil then
		macros = { "i", jobid, "{auth_authen}", m.auth,
		    "{auth_type}", "PLAIN" }
	end
	mt.macro(conn, SMFIC_MAIL, table.unpack(macros))
	step("mailfrom", mt.mailfrom(conn, m.from or "<sender@example.org>"))
	r.stage, r.reply = "mail", mt.getreply(conn)
	if r.reply ~= SMFIR_CONTINUE then
		return r
	end
	if not mt.test_option(conn, SMFIP_NORCPT) then
		mt.macro(conn, SMFIC_RCPT, "i", jobid)
		step("rcptto", mt.rcptto(conn, m.rcpt or "<postmaster@mx.test>"))
		r.stage, r.reply = "rcpt", mt.getreply(conn)
		if r.reply ~= SMFIR_CONTINUE then
			return r
		end
	end
	if not mt.test_option(conn, SMFIP_NOHDRS) then
		for _, h in ipairs(m.headers or {}) do
			step("header " .. h[1], mt.header(conn, h[1], h[2]))
			r.stage, r.reply = "header", mt.getreply(conn)
			if r.reply ~= SMFIR_CONTINUE then
				return r
			end
		end
	end
	if not mt.test_option(conn, SMFIP_NOEOH) then
		step("eoh", mt.eoh(conn))
	end
	if not mt.test_option(conn, SMFIP_NOBODY) then
		step("body", mt.bodystring(conn, m.body or "Hello.\r\n"))
	end
	step("eom", mt.eom(conn))
	r.stage, r.reply = "eom", mt.getreply(conn)
	for i = 0, 9 do
		local v = mt.getheader(conn, "Authentication-Results", i)
		if v == nil then
			break
		end
		r.ar[#r.ar + 1] = v
	end
	return r
end

-- T.find_ar - first added A-R value containing every plain-text needle
function T.find_ar(r, ...)
	for _, v in ipairs(r.ar) do
		local all = true
		for _, needle in ipairs({ ... }) do
			if string.find(v, needle, 1, true) == nil then
				all = false
			end
		end
		if all then
			return v
		end
	end
	return nil
end

-- T.ar_first - the A-R exists and was inserted at index 0 (develop #349)
function T.ar_first(r, v)
	return v ~= nil and mt.eom_check(r.conn, MT_HDRINSERT,
	    "Authentication-Results", v, 0)
end

-- T.show - echo what the filter did (for the log of a failing test)
function T.show(r)
	mt.echo("# stage " .. r.stage .. " reply " .. tostring(r.reply))
	for i, v in ipairs(r.ar) do
		mt.echo("# A-R[" .. (i - 1) .. "] " .. v)
	end
end

-- T.continued - the message went on (CONTINUE or ACCEPT at EOM)
function T.continued(r)
	return r.stage == "eom" and
	    (r.reply == SMFIR_CONTINUE or r.reply == SMFIR_ACCEPT)
end

-- T.rejected - rejection at any stage, with (REPLYCODE) or without text
function T.rejected(r)
	return r.reply == SMFIR_REJECT or r.reply == SMFIR_REPLYCODE
end

-- T.replied - the filter set exactly this SMTP reply at EOM
function T.replied(r, code, xcode, text)
	return r.reply == SMFIR_REPLYCODE and
	    mt.eom_check(r.conn, MT_SMTPREPLY, code, xcode, text)
end

-- T.tempfailed - a 4xx: SMFIR_TEMPFAIL, or a reply code (miltertest
-- cannot show a reply's code alone, so the script names the reply it
-- expects in its "-- log:" line and the runner checks the daemon's log)
function T.tempfailed(r)
	return r.reply == SMFIR_TEMPFAIL or r.reply == SMFIR_REPLYCODE
end

-- T.finish - close the connection politely
function T.finish(r)
	mt.disconnect(r.conn)
end

-- T.done - end of script: raise an error if any check failed
function T.done()
	mt.echo("# " .. (T.checks - T.failed) .. " of " .. T.checks ..
	    " checks passed")
	if T.failed > 0 then
		error(T.failed .. " check(s) failed")
	end
end

return T
