-- t-pass-dkim.lua -- a trusted upstream A-R with an aligned dkim=pass
-- passes, and our A-R goes at the top of the header (index 0).
-- history: has policy 15
-- history: has action 2
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@reject.example>",
	headers = {
		{ "Authentication-Results",
		    "mx.test; dkim=pass header.d=reject.example header.s=sel1" },
		{ "From", "Alice <alice@reject.example>" },
		{ "To", "bob@mx.test" },
		{ "Subject", "pass" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
local v = T.find_ar(r, "dmarc=pass", "header.from=reject.example")
T.check(v ~= nil, "A-R with dmarc=pass and header.from=")
T.check(T.ar_first(r, v), "A-R inserted at index 0")
T.check(string.find(v or "", "^mx%.test;") ~= nil, "authserv-id mx.test")
T.finish(r)
T.done()
