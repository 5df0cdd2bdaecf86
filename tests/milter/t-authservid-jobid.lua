-- t-authservid-jobid.lua -- AuthservIDWithJobID: the authserv-id is
-- "mx.test/<jobid>", quoted as RFC 8601 requires (OpenDMARC #17/#20).
-- conf: AuthservIDWithJobID yes
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	jobid = "t-jobid",
	from = "<user@reject.example>",
	headers = {
		{ "From", "user@reject.example" },
		{ "Subject", "job id" },
	},
}
T.show(r)
local v = T.find_ar(r, "dmarc=fail")
T.check(v ~= nil, "A-R with dmarc=fail")
T.check(string.find(v or "", '^"mx%.test/t%-jobid";') ~= nil,
    'authserv-id is "mx.test/t-jobid"')
T.finish(r)
T.done()
