/*
 * record.c -- parse a DMARC policy record (RFC 9989 section 4.7-4.8)
 *
 * SYNOPSIS
 *	int dmarc_record_parse(const char *txt, size_t len,
 *	    enum dmarc_profile profile, struct dmarc_record **out);
 *	void dmarc_record_free(struct dmarc_record *rec);
 *	int dmarc_record_has_valid_rua(const struct dmarc_record *rec);
 *	int dmarc_record_usable(const struct dmarc_record *rec);
 *	enum dmarc_policy dmarc_record_p(const struct dmarc_record *rec);
 *	enum dmarc_policy dmarc_record_sp(const struct dmarc_record *rec);
 *	enum dmarc_policy dmarc_record_np(const struct dmarc_record *rec);
 *
 * DESCRIPTION
 *	Reads one TXT record whose character-strings are already joined
 *	(D-02).  The text comes from DNS, need not be NUL-terminated, may
 *	contain NUL octets and is never modified.
 *
 *	Version.  "v=DMARC1" must be the first tag (D-03, D-05).  The tag
 *	NAME is matched without regard to case, so "V=DMARC1" is accepted:
 *	it is a plain ABNF literal, and those are case-insensitive (TV8, the
 *	choice rspamd and Halon make; Exim's prefix check refuses it).  The
 *	VALUE is %s"DMARC1" and must match exactly.  Whitespace before the
 *	first tag is tolerated.  OpenDMARC's leniencies are refused: a
 *	record without v=, a "v=DMARC1" found later in the text, and a
 *	record whose first tag has no '=' are all DMARC_ENOTDMARC.
 *
 *	Tags.  Separated by ';' with optional whitespace around '=' and ';'
 *	and an optional trailing ';' (D-08).  Names are 1*ALPHA, matched
 *	without regard to case; a malformed segment (no '=', bad name,
 *	empty segment) sets DMARC_RF_SYNTAX and is skipped.  Unknown tags
 *	set DMARC_RF_UNKNOWN_TAG and are ignored (D-06).  A tag seen twice
 *	sets DMARC_RF_DUP_TAG and the first occurrence wins, valid or not.
 *	A value that is empty or holds an octet outside %x20-7E (HTAB
 *	aside, which the list grammars allow as WSP) sets
 *	DMARC_RF_SYNTAX plus the tag's DMARC_RF_BAD_* flag; any other bad
 *	value sets the BAD_* flag.  Either way the tag keeps its default
 *	(D-07).  Keywords are case-insensitive whole words: "p=rej" and
 *	"adkim=strict" are bad values, not prefixes.
 *
 *	fo is a ':' list of 0, 1, d, s; one bad element makes the whole tag
 *	bad.  Under RFC 9989 "0" and "1" together are bad too (they are
 *	mutually exclusive there).  fo without any ruf URI sets
 *	DMARC_RF_FO_NO_RUF; the bits are kept, the consumer ignores them.
 *
 *	rua/ruf are ',' lists (D-44).  Each URI is trimmed; an empty element
 *	sets BAD_RUA/BAD_RUF and is dropped; more than DMARC_MAXURIS sets
 *	DMARC_RF_TOO_MANY_URIS and the rest are dropped.  A "!" starts the
 *	legacy size suffix "!<digits>[kmgt]" (D-45; '!' inside a URI must be
 *	percent-encoded): units are powers of two, the value must fit in 64
 *	bits, uri loses the suffix, raw keeps it, DMARC_RF_SIZE_SUFFIX is
 *	set.  A malformed or overflowing suffix makes that URI invalid.  A
 *	URI is valid when it has an RFC 3986 scheme, something after the
 *	colon, and only printable non-space ASCII; a mailto: URI must also
 *	hold an addr-spec with exactly one '@', a non-empty local part and
 *	an LDH domain (an hfields "?..." part is allowed and not checked).
 *	Invalid URIs are kept with valid == 0 so checkers can show them.
 *
 *	pct (1*3DIGIT, 0..100), rf (',' list, only "afrf" known) and ri
 *	(1*DIGIT seconds, at most 2^32-1) are honoured under RFC 7489.
 *	Under RFC 9989 they are historic: parsed for their BAD_* flags,
 *	DMARC_RF_HISTORIC is set, and pct, pct_set, rf and ri keep their
 *	defaults (100, 0, afrf, 86400).
 *
 *	Effective policy (D-09).  A record is "broken" when p is absent or
 *	invalid, or sp is invalid, or (RFC 9989 only, np being unknown to
 *	RFC 7489) np is invalid.  A broken record with at least one valid
 *	rua URI acts as "v=DMARC1; p=none": dmarc_record_p, _sp and _np all
 *	return DMARC_P_NONE.  A broken record without one is not usable:
 *	dmarc_record_usable returns 0 and the accessors DMARC_P_UNSET.
 *	Otherwise p is the published p, sp defaults to p, and np defaults
 *	to the effective sp.  Under RFC 7489 an invalid np only falls back
 *	to sp.  The struct fields keep what was published (UNSET when
 *	absent or invalid) for reports and history.
 *
 * DIAGNOSTICS
 *	DMARC_OK; DMARC_ENOTDMARC (not a DMARC record); DMARC_ETOOBIG
 *	(longer than DMARC_MAXRECORD); DMARC_EINVAL; DMARC_ENOMEM.  Problems
 *	inside a DMARC record are never an error: they are DMARC_RF_* flags.
 *
 * WHY A FILE OF ITS OWN
 *	The record is the policy a stranger hands us.  OpenDMARC's parser
 *	accepted records without v=, prefixes such as p=rej, and let
 *	rf=iodef set aspf; here the grammar is one small file, fuzzed alone
 *	(tests/fuzz/record_fuzz.c).
 *
 * SEE ALSO
 *	RFC 9989 sections 4.7, 4.8, 4.10.1; RFC 7489 sections 6.2-6.4;
 *	standards.md D-01..D-10, D-44, D-45
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RI_MAX	4294967295UL	/* ri beyond 32 bits is not a schedule */

struct state {
	struct dmarc_record *rec;
	unsigned	 seen;		/* bit per tags[] index */
	int		 fo_given;
};

typedef int (*tag_fn)(struct state *, const char *, size_t);

static int tag_p(struct state *, const char *, size_t);
static int tag_sp(struct state *, const char *, size_t);
static int tag_np(struct state *, const char *, size_t);
static int tag_psd(struct state *, const char *, size_t);
static int tag_t(struct state *, const char *, size_t);
static int tag_adkim(struct state *, const char *, size_t);
static int tag_aspf(struct state *, const char *, size_t);
static int tag_fo(struct state *, const char *, size_t);
static int tag_rua(struct state *, const char *, size_t);
static int tag_ruf(struct state *, const char *, size_t);
static int tag_pct(struct state *, const char *, size_t);
static int tag_rf(struct state *, const char *, size_t);
static int tag_ri(struct state *, const char *, size_t);

/* The known tags; "v" is here only so a second v= counts as a duplicate. */
static const struct tag {
	const char	*name;
	unsigned	 bad;		/* DMARC_RF_BAD_* for a bad value */
	int		 historic;	/* pct/rf/ri: RFC 9989 section 9.3 */
	tag_fn		 fn;
} tags[] = {
	{ "v",		0,			0, NULL },
	{ "p",		DMARC_RF_BAD_P,		0, tag_p },
	{ "sp",		DMARC_RF_BAD_SP,	0, tag_sp },
	{ "np",		DMARC_RF_BAD_NP,	0, tag_np },
	{ "psd",	DMARC_RF_BAD_PSD,	0, tag_psd },
	{ "t",		DMARC_RF_BAD_T,		0, tag_t },
	{ "adkim",	DMARC_RF_BAD_ADKIM,	0, tag_adkim },
	{ "aspf",	DMARC_RF_BAD_ASPF,	0, tag_aspf },
	{ "fo",		DMARC_RF_BAD_FO,	0, tag_fo },
	{ "rua",	DMARC_RF_BAD_RUA,	0, tag_rua },
	{ "ruf",	DMARC_RF_BAD_RUF,	0, tag_ruf },
	{ "pct",	DMARC_RF_BAD_PCT,	1, tag_pct },
	{ "rf",		DMARC_RF_BAD_RF,	1, tag_rf },
	{ "ri",		DMARC_RF_BAD_RI,	1, tag_ri },
};

#define NTAGS	(sizeof(tags) / sizeof(tags[0]))

/* is_wsp - RFC 5234 WSP */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* trim - drop WSP at both ends of p[0..*len), return the new start */
static const char *
trim(const char *p, size_t *len)
{
	while (*len > 0 && is_wsp(p[0])) {
		p++;
		(*len)--;
	}
	while (*len > 0 && is_wsp(p[*len - 1]))
		(*len)--;
	return p;
}

/* is_alpha - ASCII letter, whatever the locale */
static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_digit - ASCII digit */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* parse_uint - 1*DIGIT no larger than max; -1 when not */
static int
parse_uint(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit(p[i]))
			return -1;
		if (n > (max - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(p[i] - '0');
	}
	*out = n;
	return 0;
}

/* policy_word - none/quarantine/reject, whole word, any case */
static enum dmarc_policy
policy_word(const char *p, size_t len)
{
	if (dm_strncaseeq(p, len, "none"))
		return DMARC_P_NONE;
	if (dm_strncaseeq(p, len, "quarantine"))
		return DMARC_P_QUARANTINE;
	if (dm_strncaseeq(p, len, "reject"))
		return DMARC_P_REJECT;
	return DMARC_P_UNSET;
}

/* one_of - single letter of set, any case; 0 when not */
static char
one_of(const char *p, size_t len, const char *set)
{
	char c;

	if (len != 1)
		return 0;
	c = (char)dm_tolower((unsigned char)p[0]);
	return strchr(set, c) != NULL ? c : 0;
}

/* tag_p - p= */
static int
tag_p(struct state *st, const char *v, size_t len)
{
	st->rec->p = policy_word(v, len);
	return st->rec->p == DMARC_P_UNSET ? DMARC_ESYNTAX : DMARC_OK;
}

/* tag_sp - sp= */
static int
tag_sp(struct state *st, const char *v, size_t len)
{
	st->rec->sp = policy_word(v, len);
	return st->rec->sp == DMARC_P_UNSET ? DMARC_ESYNTAX : DMARC_OK;
}

/* tag_np - np= (RFC 9091, RFC 9989) */
static int
tag_np(struct state *st, const char *v, size_t len)
{
	st->rec->np = policy_word(v, len);
	return st->rec->np == DMARC_P_UNSET ? DMARC_ESYNTAX : DMARC_OK;
}

/* tag_psd - psd=y/n/u */
static int
tag_psd(struct state *st, const char *v, size_t len)
{
	char c = one_of(v, len, "ynu");

	if (c == 0)
		return DMARC_ESYNTAX;
	st->rec->psd = (enum dmarc_psd)c;
	return DMARC_OK;
}

/* tag_t - t=y/n */
static int
tag_t(struct state *st, const char *v, size_t len)
{
	char c = one_of(v, len, "yn");

	if (c == 0)
		return DMARC_ESYNTAX;
	st->rec->t = c == 'y';
	return DMARC_OK;
}

/* tag_adkim - adkim=r/s */
static int
tag_adkim(struct state *st, const char *v, size_t len)
{
	char c = one_of(v, len, "rs");

	if (c == 0)
		return DMARC_ESYNTAX;
	st->rec->adkim = c;
	return DMARC_OK;
}

/* tag_aspf - aspf=r/s */
static int
tag_aspf(struct state *st, const char *v, size_t len)
{
	char c = one_of(v, len, "rs");

	if (c == 0)
		return DMARC_ESYNTAX;
	st->rec->aspf = c;
	return DMARC_OK;
}

/* tag_fo - fo=0:1:d:s; all or nothing */
static int
tag_fo(struct state *st, const char *v, size_t len)
{
	unsigned bits = 0;
	size_t i = 0;

	st->fo_given = 1;
	while (i <= len) {
		size_t j = i, elen;
		const char *e;
		char c;

		while (j < len && v[j] != ':')
			j++;
		elen = j - i;
		e = trim(v + i, &elen);
		if ((c = one_of(e, elen, "01ds")) == 0)
			return DMARC_ESYNTAX;
		bits |= c == '0' ? DMARC_FO_0 : c == '1' ? DMARC_FO_1 :
		    c == 'd' ? DMARC_FO_D : DMARC_FO_S;
		i = j + 1;
	}
	if (st->rec->profile == DMARC_RFC9989 &&
	    (bits & (DMARC_FO_0 | DMARC_FO_1)) == (DMARC_FO_0 | DMARC_FO_1))
		return DMARC_ESYNTAX;
	st->rec->fo = bits;
	return DMARC_OK;
}

/* size_suffix - "<digits>[kmgt]" into bytes; -1 malformed or > 64 bits */
static int
size_suffix(const char *p, size_t len, uint64_t *out)
{
	static const char units[] = "kmgt";
	const char *u;
	unsigned shift = 0;
	uint64_t n;

	if (len > 0 && !is_digit(p[len - 1])) {
		u = strchr(units, dm_tolower((unsigned char)p[len - 1]));
		if (u == NULL || *u == '\0')
			return -1;
		shift = 10 * (unsigned)(u - units + 1);
		len--;
	}
	if (parse_uint(p, len, UINT64_MAX, &n) != 0)
		return -1;
	if (shift > 0 && n > (UINT64_MAX >> shift))
		return -1;
	*out = n << shift;
	return 0;
}

/* mailto_ok - addr-spec after "mailto:": one '@', local part, LDH domain */
static int
mailto_ok(const char *p, size_t len)
{
	const char *at = NULL;
	size_t i, dlen;

	for (i = 0; i < len && p[i] != '?'; i++) {
		if (p[i] == '@') {
			if (at != NULL)
				return 0;
			at = p + i;
		}
	}
	len = i;
	if (at == NULL || at == p)
		return 0;
	dlen = (size_t)(p + len - (at + 1));
	if (dlen > 1 && at[dlen] == '.')
		dlen--;		/* one trailing dot: a fully qualified name */
	return dmarc_domain_is_ldh(at + 1, dlen);
}

/* uri_check - RFC 3986 scheme, printable ASCII, mailto addr-spec */
static void
uri_check(struct dmarc_uri *u, const char *p, size_t len)
{
	size_t i, colon = 0;

	if (len == 0 || !is_alpha(p[0]))
		return;
	for (i = 1; i < len && p[i] != ':'; i++)
		if (!is_alpha(p[i]) && !is_digit(p[i]) && p[i] != '+' &&
		    p[i] != '-' && p[i] != '.')
			return;
	if (i >= len)
		return;
	colon = i;
	u->mailto = dm_strncaseeq(p, colon, "mailto");
	if (colon + 1 == len)
		return;
	for (i = colon + 1; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return;
	if (u->mailto)
		u->valid = mailto_ok(p + colon + 1, len - colon - 1);
	else
		u->valid = 1;
}

/* uri_parse - fill u from one trimmed, non-empty list element */
static int
uri_parse(struct state *st, struct dmarc_uri *u, const char *p, size_t len)
{
	const char *bang = memchr(p, '!', len);
	size_t ulen = len;
	int suffix_ok = 1;

	if ((u->raw = dm_strndup(p, len)) == NULL)
		return DMARC_ENOMEM;
	if (bang != NULL) {
		ulen = (size_t)(bang - p);
		st->rec->flags |= DMARC_RF_SIZE_SUFFIX;
		if (size_suffix(bang + 1, len - ulen - 1, &u->max_size) != 0) {
			suffix_ok = 0;
			u->max_size = 0;
		}
	}
	if ((u->uri = dm_strndup(p, ulen)) == NULL)
		return DMARC_ENOMEM;
	uri_check(u, p, ulen);
	if (!suffix_ok)
		u->valid = 0;
	return DMARC_OK;
}

/* uri_list - parse a comma list of URIs; bad ones set badflag */
static int
uri_list(struct state *st, const char *v, size_t len, unsigned badflag,
    struct dmarc_uri **list, size_t *n)
{
	size_t i = 0, cap = 1;

	for (i = 0; i < len; i++)
		if (v[i] == ',')
			cap++;
	if (cap > DMARC_MAXURIS)
		cap = DMARC_MAXURIS;
	if ((*list = calloc(cap, sizeof(**list))) == NULL)
		return DMARC_ENOMEM;
	for (i = 0; i <= len; ) {
		size_t j = i, elen;
		const char *e;
		int rc;

		while (j < len && v[j] != ',')
			j++;
		elen = j - i;
		e = trim(v + i, &elen);
		i = j + 1;
		if (elen == 0) {
			st->rec->flags |= badflag;
			continue;
		}
		if (*n == DMARC_MAXURIS) {
			st->rec->flags |= DMARC_RF_TOO_MANY_URIS;
			break;
		}
		if ((rc = uri_parse(st, &(*list)[(*n)++], e, elen)) != DMARC_OK)
			return rc;
		if (!(*list)[*n - 1].valid)
			st->rec->flags |= badflag;
	}
	return DMARC_OK;
}

/* tag_rua - rua= */
static int
tag_rua(struct state *st, const char *v, size_t len)
{
	return uri_list(st, v, len, DMARC_RF_BAD_RUA, &st->rec->rua,
	    &st->rec->nrua);
}

/* tag_ruf - ruf= */
static int
tag_ruf(struct state *st, const char *v, size_t len)
{
	return uri_list(st, v, len, DMARC_RF_BAD_RUF, &st->rec->ruf,
	    &st->rec->nruf);
}

/* tag_pct - pct=0..100, effective only under RFC 7489 */
static int
tag_pct(struct state *st, const char *v, size_t len)
{
	uint64_t n;

	if (len > 3 || parse_uint(v, len, 100, &n) != 0)
		return DMARC_ESYNTAX;
	if (st->rec->profile == DMARC_RFC7489) {
		st->rec->pct = (int)n;
		st->rec->pct_set = 1;
	}
	return DMARC_OK;
}

/* tag_rf - rf=afrf[,...]; only afrf is defined */
static int
tag_rf(struct state *st, const char *v, size_t len)
{
	unsigned bits = 0;
	int bad = 0;
	size_t i = 0;

	while (i <= len) {
		size_t j = i, elen;
		const char *e;

		while (j < len && v[j] != ',')
			j++;
		elen = j - i;
		e = trim(v + i, &elen);
		if (dm_strncaseeq(e, elen, "afrf"))
			bits |= 1;
		else
			bad = 1;
		i = j + 1;
	}
	if (bad)
		return DMARC_ESYNTAX;
	if (st->rec->profile == DMARC_RFC7489)
		st->rec->rf = bits;
	return DMARC_OK;
}

/* tag_ri - ri=seconds */
static int
tag_ri(struct state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_uint(v, len, RI_MAX, &n) != 0)
		return DMARC_ESYNTAX;
	if (st->rec->profile == DMARC_RFC7489)
		st->rec->ri = (unsigned long)n;
	return DMARC_OK;
}

/* value_ok - dmarc-value (%x20-3A / %x3C-7E) plus HTAB, which the list
   grammars allow around ',' and ':' as WSP; at least one octet */
static int
value_ok(const char *v, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

/* split_tag - "name = value" into its trimmed parts; -1 without '=' */
static int
split_tag(const char *p, size_t len, const char **name, size_t *nlen,
    const char **val, size_t *vlen)
{
	const char *eq = memchr(p, '=', len);

	if (eq == NULL)
		return -1;
	*nlen = (size_t)(eq - p);
	*name = trim(p, nlen);
	*vlen = len - (size_t)(eq + 1 - p);
	*val = trim(eq + 1, vlen);
	return 0;
}

/* name_ok - 1*ALPHA */
static int
name_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_alpha(p[i]))
			return 0;
	return 1;
}

/* one_tag - handle one segment after the version */
static int
one_tag(struct state *st, const char *seg, size_t len)
{
	const char *name, *val;
	size_t nlen, vlen, i;
	int rc;

	if (split_tag(seg, len, &name, &nlen, &val, &vlen) != 0 ||
	    !name_ok(name, nlen)) {
		st->rec->flags |= DMARC_RF_SYNTAX;
		return DMARC_OK;
	}
	for (i = 0; i < NTAGS; i++)
		if (dm_strncaseeq(name, nlen, tags[i].name))
			break;
	if (i == NTAGS) {
		st->rec->flags |= DMARC_RF_UNKNOWN_TAG;
		return DMARC_OK;
	}
	if (st->seen & (1u << i)) {
		st->rec->flags |= DMARC_RF_DUP_TAG;
		return DMARC_OK;
	}
	st->seen |= 1u << i;
	if (tags[i].historic && st->rec->profile == DMARC_RFC9989)
		st->rec->flags |= DMARC_RF_HISTORIC;
	if (!value_ok(val, vlen)) {
		st->rec->flags |= DMARC_RF_SYNTAX | tags[i].bad;
		return DMARC_OK;
	}
	rc = tags[i].fn(st, val, vlen);
	if (rc == DMARC_ESYNTAX) {
		st->rec->flags |= tags[i].bad;
		rc = DMARC_OK;
	}
	return rc;
}

/* version_ok - the first segment is v=DMARC1 (name any case, value exact) */
static int
version_ok(const char *seg, size_t len)
{
	const char *name, *val;
	size_t nlen, vlen;

	if (split_tag(seg, len, &name, &nlen, &val, &vlen) != 0)
		return 0;
	return nlen == 1 && (name[0] == 'v' || name[0] == 'V') &&
	    vlen == 6 && memcmp(val, "DMARC1", 6) == 0;
}

/* record_defaults - a fresh record with every default in place */
static struct dmarc_record *
record_defaults(enum dmarc_profile profile)
{
	struct dmarc_record *rec;

	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return NULL;
	rec->profile = profile;
	rec->p = rec->sp = rec->np = DMARC_P_UNSET;
	rec->psd = DMARC_PSD_U;
	rec->adkim = rec->aspf = 'r';
	rec->fo = DMARC_FO_0;
	rec->pct = 100;
	rec->rf = 1;
	rec->ri = 86400;
	return rec;
}

/* walk - run every segment after the first through one_tag */
static int
walk(struct state *st, const char *txt, size_t len, size_t start)
{
	size_t i = start;
	int rc;

	while (i < len) {
		size_t j = i, slen;
		const char *seg;

		while (j < len && txt[j] != ';')
			j++;
		slen = j - i;
		seg = trim(txt + i, &slen);
		if (slen == 0) {
			/* only the final segment may be empty: trailing ';' */
			if (j < len)
				st->rec->flags |= DMARC_RF_SYNTAX;
		} else if ((rc = one_tag(st, seg, slen)) != DMARC_OK)
			return rc;
		i = j + 1;
	}
	return DMARC_OK;
}

/* dmarc_record_parse - see the header comment */
int
dmarc_record_parse(const char *txt, size_t len, enum dmarc_profile profile,
    struct dmarc_record **out)
{
	struct state st;
	size_t first;
	int rc;

	if (out == NULL || (txt == NULL && len > 0) ||
	    (profile != DMARC_RFC9989 && profile != DMARC_RFC7489))
		return DMARC_EINVAL;
	*out = NULL;
	if (len > DMARC_MAXRECORD)
		return DMARC_ETOOBIG;
	for (first = 0; first < len && txt[first] != ';'; first++)
		;
	if (len == 0 || !version_ok(txt, first))
		return DMARC_ENOTDMARC;
	memset(&st, 0, sizeof(st));
	if ((st.rec = record_defaults(profile)) == NULL)
		return DMARC_ENOMEM;
	st.seen = 1u;	/* v */
	if ((rc = walk(&st, txt, len, first + 1)) != DMARC_OK) {
		dmarc_record_free(st.rec);
		return rc;
	}
	if (!(st.seen & (1u << 1)))
		st.rec->flags |= DMARC_RF_NO_P;
	if (st.fo_given && st.rec->nruf == 0)
		st.rec->flags |= DMARC_RF_FO_NO_RUF;
	*out = st.rec;
	return DMARC_OK;
}

/* free_uris - release one URI list */
static void
free_uris(struct dmarc_uri *u, size_t n)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(u[i].uri);
		free(u[i].raw);
	}
	free(u);
}

/* dmarc_record_free - release a parsed record; NULL is fine */
void
dmarc_record_free(struct dmarc_record *rec)
{
	if (rec == NULL)
		return;
	free_uris(rec->rua, rec->nrua);
	free_uris(rec->ruf, rec->nruf);
	free(rec);
}

/* dmarc_record_has_valid_rua - at least one syntactically valid rua URI */
int
dmarc_record_has_valid_rua(const struct dmarc_record *rec)
{
	size_t i;

	if (rec == NULL)
		return 0;
	for (i = 0; i < rec->nrua; i++)
		if (rec->rua[i].valid)
			return 1;
	return 0;
}

/* broken - D-09: no valid p, invalid sp, or (RFC 9989) invalid np */
static int
broken(const struct dmarc_record *rec)
{
	if (rec->p == DMARC_P_UNSET || (rec->flags & DMARC_RF_BAD_SP))
		return 1;
	return rec->profile == DMARC_RFC9989 && (rec->flags & DMARC_RF_BAD_NP);
}

/* dmarc_record_usable - D-09: apply DMARC at all? */
int
dmarc_record_usable(const struct dmarc_record *rec)
{
	if (rec == NULL)
		return 0;
	return !broken(rec) || dmarc_record_has_valid_rua(rec);
}

/* dmarc_record_p - effective p: published, or none for a broken record
   with a valid rua, or UNSET when the record is not usable */
enum dmarc_policy
dmarc_record_p(const struct dmarc_record *rec)
{
	if (rec == NULL)
		return DMARC_P_UNSET;
	if (broken(rec))
		return dmarc_record_has_valid_rua(rec) ? DMARC_P_NONE :
		    DMARC_P_UNSET;
	return rec->p;
}

/* dmarc_record_sp - effective sp: published sp, else effective p */
enum dmarc_policy
dmarc_record_sp(const struct dmarc_record *rec)
{
	if (rec == NULL)
		return DMARC_P_UNSET;
	if (broken(rec) || rec->sp == DMARC_P_UNSET)
		return dmarc_record_p(rec);
	return rec->sp;
}

/* dmarc_record_np - effective np: published np, else effective sp */
enum dmarc_policy
dmarc_record_np(const struct dmarc_record *rec)
{
	if (rec == NULL)
		return DMARC_P_UNSET;
	if (broken(rec))
		return dmarc_record_p(rec);
	if (rec->np == DMARC_P_UNSET)
		return dmarc_record_sp(rec);
	return rec->np;
}
