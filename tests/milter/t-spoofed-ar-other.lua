-- t-spoofed-ar-other.lua -- RemoveSpoofedAuthResults touches only our own
-- authserv-id: an A-R from another trusted authserv-id (relay.test, an
-- inner relay) with an aligned dkim=pass is still trusted and kept.
-- conf: RemoveSpoofedAuthResults yes
-- conf: TrustedAuthservIDs mx.test, relay.test
-- history: has dkim reject.example sel1 0
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@reject.example>",
	headers = {
		{ "Authentication-Results",
		    "relay.test; dkim=pass header.d=reject.example header.s=sel1" },
		{ "From", "Alice <alice@reject.example>" },
		{ "To", "bob@mx.test" },
		{ "Subject", "trusted inner relay" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(T.find_ar(r, "dmarc=pass", "header.from=reject.example") ~= nil,
    "A-R with dmarc=pass from the trusted relay's result")
T.check(not mt.eom_check(r.conn, MT_HDRDELETE),
    "no header field deleted")
T.finish(r)
T.done()
