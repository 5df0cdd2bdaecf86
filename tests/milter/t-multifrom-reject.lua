-- t-multifrom-reject.lua -- a From: with mailboxes in two domains and
-- RejectMultiValueFrom: rejected (CVE-2019-16378).
-- conf: RejectMultiValueFrom yes
-- log: action=reject
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user1@none.example>",
	headers = {
		{ "From", "user1@none.example, user2@reject.example" },
		{ "Subject", "two authors" },
	},
}
T.show(r)
T.check(T.rejected(r), "rejected")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
T.finish(r)
T.done()
