-- t-servfail-accept.lua -- the same with TemporaryFailureAction accept:
-- the message goes on with dmarc=temperror.
-- conf: TemporaryFailureAction accept
-- log: servfail\.example dmarc=temperror
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@servfail.example>",
	headers = {
		{ "From", "user@servfail.example" },
		{ "Subject", "dns trouble" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
local v = T.find_ar(r, "dmarc=temperror", "header.from=servfail.example")
T.check(v ~= nil, "A-R with dmarc=temperror")
T.check(T.ar_first(r, v), "A-R inserted at index 0")
T.finish(r)
T.done()
