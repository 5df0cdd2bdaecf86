-- t-untrusted-ar.lua -- an A-R from an authserv-id not in
-- TrustedAuthservIDs claiming dkim=pass is ignored: dmarc=fail, and its
-- result is not recorded.
-- history: has policy 16
-- history: lacks dkim reject.example sel1 0
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@reject.example>",
	headers = {
		{ "Authentication-Results",
		    "evil.example; dkim=pass header.d=reject.example header.s=sel1" },
		{ "From", "user@reject.example" },
		{ "Subject", "forged A-R" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(T.find_ar(r, "dmarc=fail", "header.from=reject.example") ~= nil,
    "A-R with dmarc=fail")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
T.finish(r)
T.done()
