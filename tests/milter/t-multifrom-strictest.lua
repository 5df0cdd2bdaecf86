-- t-multifrom-strictest.lua -- the same From: without RejectMultiValueFrom
-- is evaluated, not accepted silently as OpenDMARC does: the strictest
-- domain (p=reject) fails and the A-R says so.
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user1@none.example>",
	headers = {
		{ "From", "user1@none.example, user2@reject.example" },
		{ "Subject", "two authors" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(#r.ar > 0, "an A-R was added (not silently accepted)")
T.check(T.find_ar(r, "dmarc=fail", "reject.example") ~= nil,
    "A-R with dmarc=fail for reject.example")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
T.finish(r)
T.done()
