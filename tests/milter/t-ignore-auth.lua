-- t-ignore-auth.lua -- IgnoreAuthenticatedClients: a message whose MAIL
-- stage carries {auth_authen} is accepted without header or history;
-- the next, unauthenticated one is evaluated.
-- conf: IgnoreAuthenticatedClients yes
-- history: records 1
-- history: lacks job t-ignore-auth
-- history: has job t-ignore-auth-2
local T = dofile(srcdir .. "/common.lua")

local hdrs = {
	{ "From", "user@reject.example" },
	{ "Subject", "submission" },
}
local r = T.send{ auth = "alice", from = "<user@reject.example>",
    headers = hdrs }
T.show(r)
T.check(r.reply == SMFIR_ACCEPT or T.continued(r), "accepted")
T.check(#r.ar == 0, "no A-R added")
T.finish(r)

local r2 = T.send{ jobid = "t-ignore-auth-2", from = "<user@reject.example>",
    headers = hdrs }
T.show(r2)
T.check(T.find_ar(r2, "dmarc=fail") ~= nil, "unauthenticated client evaluated")
T.finish(r2)
T.done()
