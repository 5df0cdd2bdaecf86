-- t-rspf-bad.lua -- a bare "Received-SPF: pass" without keys (no identity,
-- no envelope-from) proves nothing: dmarc=fail.
-- history: has policy 16
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@reject.example>",
	headers = {
		{ "Received-SPF", "pass" },
		{ "From", "user@reject.example" },
		{ "Subject", "bare Received-SPF" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(T.find_ar(r, "dmarc=fail", "header.from=reject.example") ~= nil,
    "A-R with dmarc=fail")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
T.finish(r)
T.done()
