-- t-reuse.lua -- two messages on one connection: nothing of the first
-- leaks into the second.  dmarcd keeps a connection's header array and
-- its authentication and ARC working space for the next message and
-- resets them without clearing (milter/evaluate.c); a reset that missed
-- a count or an ARC client address would credit the first message's
-- DKIM and SPF passes, or its sealer's address, to the second.
-- history: records 2
-- history: has job t-reuse-1
-- history: has job t-reuse-2
-- history: has arc_policy 2 json:[{ "i": 1, "d":"sealer.example", "s":"s1", "ip":"192.0.2.99" }]
-- history: has arc_policy 2 json:[{ "i": 1, "d":"other.example", "s":"s2", "ip":"" }]
local T = dofile(srcdir .. "/common.lua")

local r = T.send{ jobid = "t-reuse-1", from = "<user@reject.example>",
    headers = {
	{ "ARC-Seal", "i=1; a=rsa-sha256; cv=none; d=sealer.example; " ..
	    "s=s1; t=1700000000; b=AAAA" },
	{ "ARC-Authentication-Results", "i=1; sealer.example; " ..
	    "arc=none smtp.remote-ip=192.0.2.99" },
	{ "Authentication-Results", "mx.test; " ..
	    "dkim=pass header.d=reject.example header.s=sel1; " ..
	    "spf=pass smtp.mailfrom=user@reject.example" },
	{ "From", "user@reject.example" },
	{ "Subject", "first" },
    } }
T.show(r)
T.check(T.continued(r), "first message (DKIM and SPF pass) goes on")
T.check(T.find_ar(r, "dmarc=pass") ~= nil, "first message: dmarc=pass")

local r2 = T.send{ conn = r.conn, jobid = "t-reuse-2",
    from = "<user@reject.example>",
    headers = {
	{ "ARC-Seal", "i=1; a=rsa-sha256; cv=none; d=other.example; " ..
	    "s=s2; t=1700000000; b=AAAA" },
	{ "ARC-Authentication-Results", "i=1; other.example; arc=none" },
	{ "From", "user@reject.example" },
	{ "Subject", "second" },
    } }
T.show(r2)
T.check(T.find_ar(r2, "dmarc=fail") ~= nil,
    "second message, same connection, no results: dmarc=fail")
T.finish(r2)
T.done()
