-- t-history.lua -- the history record of one passing message, line by
-- line (data/t-history.expected; "*" matches any value).  The record is
-- OpenDMARC's format, so dmarcd's own keys are switched off.
-- conf: HistoryExtensions no
-- history: file t-history.expected
local T = dofile(srcdir .. "/common.lua")

local r = T.send{
	from = "<bounce@hist.example>",
	headers = {
		{ "Authentication-Results", "mx.test; " ..
		    "dkim=pass header.d=hist.example header.s=sel1; " ..
		    "spf=pass smtp.mailfrom=bounce@hist.example" },
		{ "From", "Alice <alice@hist.example>" },
		{ "To", "bob@mx.test" },
		{ "Subject", "history" },
	},
}
T.show(r)
T.check(T.find_ar(r, "dmarc=pass", "header.from=hist.example") ~= nil,
    "A-R with dmarc=pass")
T.finish(r)
T.done()
