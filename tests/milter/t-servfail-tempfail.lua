-- t-servfail-tempfail.lua -- SERVFAIL for _dmarc.<author>: temperror,
-- and by default a 4xx (OpenDMARC fails open with dmarc=none).
-- history: has action 3
-- log: servfail\.example dmarc=temperror action=tempfail
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@servfail.example>",
	headers = {
		{ "From", "user@servfail.example" },
		{ "Subject", "dns trouble" },
	},
}
T.show(r)
T.check(r.stage == "eom", "decided at end of message")
T.check(T.tempfailed(r), "temporary failure")
T.check(T.find_ar(r, "dmarc=none") == nil, "not dmarc=none (no fail-open)")
T.finish(r)
T.done()
