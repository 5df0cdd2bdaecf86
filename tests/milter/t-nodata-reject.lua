-- t-nodata-reject.lua -- the same failure with RejectFailures: 550 5.7.1
-- with the RejectString text, the policy domain filling its %s.
-- conf: RejectFailures yes
-- conf: RejectString DMARC policy of %s says no
-- history: has policy 16
-- history: has action 0
-- log: action=reject
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@reject.example>",
	headers = {
		{ "From", "user@reject.example" },
		{ "Subject", "no auth data, reject" },
	},
}
T.show(r)
T.check(r.stage == "eom", "decided at end of message")
T.check(T.replied(r, "550", "5.7.1", "DMARC policy of reject.example says no"),
    "550 5.7.1 DMARC policy of reject.example says no")
T.finish(r)
T.done()
