-- t-multifrom-malformed.lua -- "user1@a, user2, user3@a" crashed
-- OpenDMARC 1.4.1 (CVE-2021-34555).  Any sane answer will do, then the
-- daemon must still serve the next connection.
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user1@reject.example>",
	headers = {
		{ "From", "user1@reject.example, user2, user3@reject.example" },
		{ "Subject", "malformed" },
	},
}
T.show(r)
T.check(T.continued(r) or T.rejected(r), "a sane answer at EOM")
T.check(T.find_ar(r, "dmarc=pass") == nil, "no dmarc=pass")
for _, v in ipairs(r.ar) do
	T.check(string.find(v, "dmarc=fail", 1, true) or
	    string.find(v, "dmarc=permerror", 1, true),
	    "A-R says fail or permerror: " .. v)
end
T.finish(r)

local r2 = T.send{
	jobid = "t-multifrom-malformed-2",
	from = "<bounce@reject.example>",
	headers = {
		{ "Authentication-Results",
		    "mx.test; dkim=pass header.d=reject.example header.s=sel1" },
		{ "From", "user@reject.example" },
	},
}
T.check(T.find_ar(r2, "dmarc=pass") ~= nil, "next message still served")
T.finish(r2)
T.done()
