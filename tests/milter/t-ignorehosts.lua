-- t-ignorehosts.lua -- a client listed in IgnoreHosts (by network) is
-- accepted without evaluation: no header, no history; a client not
-- listed is still evaluated.
-- conf: IgnoreHosts @DATA@/ignorehosts
-- history: records 1
-- history: lacks job t-ignorehosts
-- history: has job t-ignorehosts-2
local T = dofile(srcdir .. "/common.lua")

local hdrs = {
	{ "From", "user@reject.example" },
	{ "Subject", "ignored client" },
}
local r = T.send{ ip = "198.51.100.7", from = "<user@reject.example>",
    headers = hdrs }
T.show(r)
T.check(r.reply == SMFIR_ACCEPT, "accepted")
T.check(#r.ar == 0, "no A-R added")
T.finish(r)

local r2 = T.send{ jobid = "t-ignorehosts-2", ip = "192.0.2.10",
    from = "<user@reject.example>", headers = hdrs }
T.show(r2)
T.check(T.find_ar(r2, "dmarc=fail") ~= nil, "unlisted client evaluated")
T.finish(r2)
T.done()
