-- t-nodata.lua -- no authentication data for a p=reject domain and no
-- RejectFailures: the message continues with dmarc=fail.
-- history: has policy 16
-- history: has action 2
-- log: reject\.example dmarc=fail
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@reject.example>",
	headers = {
		{ "From", "user@reject.example" },
		{ "Subject", "no auth data" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
local v = T.find_ar(r, "dmarc=fail", "header.from=reject.example")
T.check(v ~= nil, "A-R with dmarc=fail")
T.check(T.ar_first(r, v), "A-R inserted at index 0")
T.finish(r)
T.done()
