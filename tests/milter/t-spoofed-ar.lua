-- t-spoofed-ar.lua -- RemoveSpoofedAuthResults: an incoming A-R under our
-- own authserv-id (mx.test, here also in TrustedAuthservIDs) claiming an
-- aligned dkim=pass is a forgery: it is not trusted (dmarc=fail), it is
-- deleted, and its result is not recorded.
-- conf: RemoveSpoofedAuthResults yes
-- history: lacks dkim reject.example sel1 0
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@reject.example>",
	headers = {
		{ "Authentication-Results",
		    "mx.test; dkim=pass header.d=reject.example header.s=sel1" },
		{ "From", "Alice <alice@reject.example>" },
		{ "To", "bob@mx.test" },
		{ "Subject", "forged under our own authserv-id" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(T.find_ar(r, "dmarc=fail", "header.from=reject.example") ~= nil,
    "our A-R says dmarc=fail: the forged dkim=pass was not trusted")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
T.check(mt.eom_check(r.conn, MT_HDRDELETE, "Authentication-Results"),
    "the forged A-R field is deleted")
T.finish(r)
T.done()
