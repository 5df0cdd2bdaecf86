-- t-requiredheaders.lua -- RequiredHeaders and two From fields: rejected,
-- with a reply text saying why (OpenDMARC 1.4.2 gave none, #202).
-- conf: RequiredHeaders yes
-- history: none
-- log: action=reject
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<user@reject.example>",
	headers = {
		{ "From", "user@reject.example" },
		{ "From", "user@reject.example" },
		{ "Date", "Tue, 25 Nov 2025 09:00:00 +0000" },
		{ "Subject", "two From fields" },
	},
}
T.show(r)
T.check(r.reply == SMFIR_REPLYCODE, "rejected with a reply text")
T.finish(r)
T.done()
