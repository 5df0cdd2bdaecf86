-- t-quarantine-hold.lua -- p=quarantine with HoldQuarantinedMessages and
-- WITHOUT RejectFailures puts the message on hold (OpenDMARC #237: 1.4.2
-- needed RejectFailures too).
-- conf: HoldQuarantinedMessages yes
-- history: has policy 17
-- history: has action 4
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@quarantine.example>",
	headers = {
		{ "From", "user@quarantine.example" },
		{ "Subject", "quarantine me" },
	},
}
T.show(r)
T.check(T.continued(r), "message accepted (to be held)")
T.check(mt.eom_check(r.conn, MT_QUARANTINE), "quarantine requested")
T.check(T.find_ar(r, "dmarc=fail", "header.from=quarantine.example") ~= nil,
    "A-R with dmarc=fail")
T.finish(r)
T.done()
