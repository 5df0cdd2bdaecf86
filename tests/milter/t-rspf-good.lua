-- t-rspf-good.lua -- Received-SPF: pass for identity=mailfrom whose
-- envelope-from matches MAIL FROM, aligned with From: dmarc=pass.
-- history: has spf 0
-- history: has policy 15
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@reject.example>",
	headers = {
		{ "Received-SPF", "pass (mx.test: domain of bounce@reject.example " ..
		    "designates 192.0.2.10 as permitted sender) " ..
		    "client-ip=192.0.2.10; envelope-from=\"bounce@reject.example\"; " ..
		    "helo=client.example; identity=mailfrom; receiver=mx.test;" },
		{ "From", "user@reject.example" },
		{ "Subject", "spf via Received-SPF" },
	},
}
T.show(r)
T.check(T.continued(r), "message continues")
T.check(T.find_ar(r, "dmarc=pass", "header.from=reject.example") ~= nil,
    "A-R with dmarc=pass")
T.finish(r)
T.done()
