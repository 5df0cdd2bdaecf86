-- dkim-body.lua -- DKIMVerify through the milter protocol (run by dkim-milter.sh)
--
-- Globals: socket, srcdir, testname, sigfile (the DKIM-Signature value,
-- one line), bodyfile (the signed body, CRLF), verify ("on" or "off").
-- With DKIMVerify on the filter must ask for the body (no SMFIP_NOBODY),
-- verify the signature over it (pass; a changed body fails) and say so
-- in its A-R field; with it off it must decline the body and add no
-- dkim= of its own.  Either way it declines the end-of-header event.
local T = dofile(srcdir .. "/common.lua")

-- slurp - a whole file
local function slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("a")
	f:close()
	return s
end

local sig = string.gsub(slurp(sigfile), "[\r\n]+$", "")
local body = slurp(bodyfile)

-- send - one signed message with this body; returns T.send's result
local function send(b)
	local conn = T.connect()
	-- with SMFIP_HDR_LEADSPC agreed, miltertest sends each value with a
	-- leading space (as Postfix does); the filter must not add another
	mt.echo("# body requested: " ..
	    tostring(not mt.test_option(conn, SMFIP_NOBODY)) ..
	    ", leading space: " ..
	    tostring(mt.test_option(conn, SMFIP_HDR_LEADSPC)))
	mt.disconnect(conn)
	return T.send{
		from = "<bounce@elsewhere.example>",
		headers = {
			{ "DKIM-Signature", sig },
			{ "From", "Alice <alice@signed.example>" },
			{ "To", "bob@receiver.example" },
			{ "Subject", "signed" },
			{ "Date", "Wed, 25 Nov 2026 10:00:00 +0000" },
			{ "Message-ID", "<m1@signed.example>" },
		},
		body = b,
	}
end

local probe = T.connect()
local asks = not mt.test_option(probe, SMFIP_NOBODY)
local noeoh = mt.test_option(probe, SMFIP_NOEOH)
mt.disconnect(probe)

T.check(noeoh, "DKIMVerify " .. verify ..
    ": the end-of-header event is declined (a round trip saved)")

if verify == "on" then
	T.check(asks, "DKIMVerify on: the filter asks for the body")
	local r = send(body)
	T.show(r)
	T.check(T.continued(r), "signed message continues")
	T.check(T.find_ar(r, "dkim=pass", "header.d=signed.example",
	    "header.s=sel", "header.b=") ~= nil, "our A-R: dkim=pass with d=, s=, b=")
	T.check(T.find_ar(r, "dmarc=pass", "header.from=signed.example") ~= nil,
	    "aligned DKIM pass, no SPF: dmarc=pass")
	if mt.test_option(r.conn, SMFIP_HDR_LEADSPC) then
		T.check(string.find(r.ar[1] or "", "^ mx%.test;") ~= nil,
		    "leading space agreed: our field brings its own space")
	end
	T.finish(r)
	r = send(string.gsub(body, "the body", "the BODY"))
	T.show(r)
	T.check(T.find_ar(r, "dkim=fail", "header.d=signed.example") ~= nil,
	    "changed body: dkim=fail (the body was used)")
	T.check(T.find_ar(r, "dmarc=fail") ~= nil, "changed body: dmarc=fail")
	T.finish(r)
else
	T.check(not asks, "DKIMVerify off: the filter declines the body")
	local r = send(body)
	T.show(r)
	T.check(T.find_ar(r, "dkim=") == nil, "no dkim= of our own")
	T.check(T.find_ar(r, "dmarc=fail") ~= nil,
	    "signature not verified: dmarc=fail")
	T.finish(r)
end
T.done()
