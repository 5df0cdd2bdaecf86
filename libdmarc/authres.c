/*
 * authres.c -- parse Authentication-Results fields (RFC 8601)
 *
 * SYNOPSIS
 *	int dmarc_authres_parse(const char *value, size_t len,
 *	    struct dmarc_authres **out);
 *	void dmarc_authres_free(struct dmarc_authres *ar);
 *	const char *dmarc_authres_prop(const struct dmarc_ar_result *r,
 *	    const char *ptype, const char *property);
 *
 * DESCRIPTION
 *	A hand-written recursive-descent parser over the RFC 8601 section 2.2
 *	grammar.  CFWS (folding whitespace, nested comments with
 *	quoted-pairs) is accepted between any two tokens.  The authserv-id
 *	may be a token or a quoted string and may be followed by a version
 *	number; "authserv-id; none" sets none.  Each resinfo yields one
 *	struct dmarc_ar_result: the method (version "/1" stripped), the
 *	result, an optional reason and the properties.  Method, result,
 *	ptype and property are lower-cased; unknown ones are kept.
 *	Property values are a token, a quoted string, "local@domain",
 *	"@domain" or a domain; comments around them are dropped.
 *
 *	A field that starts with "method=result" (Office 365 writes no
 *	authserv-id) gives authserv_id NULL with its results parsed; such a
 *	field must never be trusted.  ARC-Authentication-Results values may
 *	be passed whole: a leading "i=<digits>;" is skipped (the instance
 *	is not kept; the ARC code reads it itself).
 *
 *	Caps: at most DMARC_MAXRESULTS results and DMARC_MAXPROPS properties
 *	per result are kept; extra ones are parsed and dropped.  A value
 *	longer than DMARC_MAXHDR is DMARC_ETOOBIG.
 *
 *	Malformed resinfo are dropped whole: the parser skips to the next
 *	';' (outside comments and quoted strings) and carries on.  A value
 *	directly followed by '(' ("example.net(.example.com", the
 *	CVE-2020-12272 exploit), an unterminated comment or quoted string,
 *	or anything after a value that does not start another property
 *	makes the resinfo malformed, so a crafted value cannot smuggle a
 *	shorter domain in front of a comment.  Nothing here decides trust:
 *	see trust.c.
 *
 * DIAGNOSTICS
 *	DMARC_OK; DMARC_EINVAL for NULL arguments; DMARC_ETOOBIG; DMARC_ENOMEM;
 *	DMARC_ESYNTAX when nothing usable parsed (no authserv-id and no
 *	result, or a malformed field without any result).  A bare
 *	"authserv-id" or "authserv-id;" is DMARC_OK with no results.
 *
 * WHY A FILE OF ITS OWN
 *	Every OpenDMARC A-R CVE and crash was in this parser; it stays small
 *	and is fuzzed on its own (tests/fuzz/authres_fuzz.c).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MALFORMED	1	/* local: this resinfo does not parse */

/* A cursor over the untrusted input. */
struct cur {
	const char	*p;
	size_t		 len;
	size_t		 i;
};

/* at_end - nothing left */
static int
at_end(const struct cur *c)
{
	return c->i >= c->len;
}

/* peek - current byte, or NUL at the end */
static int
peek(const struct cur *c)
{
	return c->i < c->len ? (unsigned char)c->p[c->i] : '\0';
}

/* is_wsp - folding whitespace: SP, HTAB, CR, LF */
static int
is_wsp(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* is_kwchar - RFC 5321 Keyword characters (and '_', seen in the wild) */
static int
is_kwchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/*
 * is_runchar - octets of an unquoted value: printable, not a space and
 * not one of ; ( ) "  (8-bit octets allowed for RFC 6532 addresses)
 */
static int
is_runchar(int ch)
{
	if (ch <= ' ' || ch == 0x7f)
		return 0;
	return ch != ';' && ch != '(' && ch != ')' && ch != '"';
}

/* skip_comment - at '(': skip a nested comment; -1 when unterminated */
static int
skip_comment(struct cur *c)
{
	size_t depth = 0;

	while (!at_end(c)) {
		int ch = peek(c);

		c->i++;
		if (ch == '\\') {
			if (at_end(c))
				return -1;
			c->i++;
		} else if (ch == '(')
			depth++;
		else if (ch == ')' && --depth == 0)
			return 0;
	}
	return -1;
}

/* skip_cfws - whitespace and comments; -1 on an unterminated comment */
static int
skip_cfws(struct cur *c)
{
	while (!at_end(c)) {
		int ch = peek(c);

		if (is_wsp(ch))
			c->i++;
		else if (ch == '(') {
			if (skip_comment(c) != 0)
				return -1;
		} else
			break;
	}
	return 0;
}

/* skip_quoted - at '"': skip a quoted string; -1 when unterminated */
static int
skip_quoted(struct cur *c)
{
	c->i++;
	while (!at_end(c)) {
		int ch = peek(c);

		c->i++;
		if (ch == '\\') {
			if (at_end(c))
				return -1;
			c->i++;
		} else if (ch == '"')
			return 0;
	}
	return -1;
}

/* skip_to_semi - resynchronise: stop at the next ';' outside () and "" */
static void
skip_to_semi(struct cur *c)
{
	while (!at_end(c)) {
		int ch = peek(c);

		if (ch == ';')
			return;
		if (ch == '(')
			(void)skip_comment(c);
		else if (ch == '"')
			(void)skip_quoted(c);
		else
			c->i++;
	}
}

/* scan_keyword - length of the Keyword at the cursor (advanced past it) */
static size_t
scan_keyword(struct cur *c)
{
	size_t start = c->i;

	while (!at_end(c) && is_kwchar(peek(c)))
		c->i++;
	return c->i - start;
}

/* lower_dup - lower-cased copy of p[0..n) */
static char *
lower_dup(const char *p, size_t n)
{
	char *s;

	if ((s = dm_strndup(p, n)) != NULL)
		dm_lowercase(s);
	return s;
}

/*
 * read_quoted - at '"': append the unquoted content to b (quoted-pairs
 * resolved, CR/LF of folding dropped).  MALFORMED when unterminated or
 * when a control character other than HTAB appears.
 */
static int
read_quoted(struct cur *c, struct dm_buf *b)
{
	c->i++;
	while (!at_end(c)) {
		int ch = peek(c);

		c->i++;
		if (ch == '"')
			return b->err ? b->err : DMARC_OK;
		if (ch == '\\') {
			if (at_end(c) || peek(c) == '\0')
				return MALFORMED;
			ch = peek(c);
			c->i++;
		} else if (ch == '\r' || ch == '\n')
			continue;
		else if ((ch < ' ' && ch != '\t') || ch == 0x7f)
			return MALFORMED;
		dm_buf_addc(b, (char)ch);
	}
	return MALFORMED;
}

/*
 * read_run - an unquoted value; stopeq excludes '=' (authserv-id).  A
 * run directly followed by '(' is ambiguous (CVE-2020-12272) and
 * MALFORMED unless lenient is set.
 */
static int
read_run(struct cur *c, struct dm_buf *b, int stopeq, int lenient)
{
	size_t start = c->i;

	while (!at_end(c) && is_runchar(peek(c)) &&
	    !(stopeq && peek(c) == '='))
		c->i++;
	if (c->i == start)
		return MALFORMED;
	if (!lenient && peek(c) == '(')
		return MALFORMED;
	dm_buf_add(b, c->p + start, c->i - start);
	return b->err ? b->err : DMARC_OK;
}

/*
 * read_value - token, quoted string, or "quoted-local"@domain.  On
 * success *out is a malloc(3)ed string and the cursor is after the value.
 */
static int
read_value(struct cur *c, char **out, int stopeq, int lenient)
{
	struct dm_buf b;
	int rc;

	*out = NULL;
	dm_buf_init(&b, DMARC_MAXHDR);
	if (peek(c) == '"') {
		rc = read_quoted(c, &b);
		if (rc == DMARC_OK && !stopeq && peek(c) == '@') {
			c->i++;
			dm_buf_addc(&b, '@');
			rc = read_run(c, &b, 0, lenient);
		}
	} else
		rc = read_run(c, &b, stopeq, lenient);
	/* an empty quoted string: dm_buf_take() of an empty buffer is not
	   terminated (buf.c as of d451921), so copy explicitly */
	if (rc == DMARC_OK && (*out = dm_strndup(b.len ? b.data : "",
	    b.len)) == NULL)
		rc = DMARC_ENOMEM;
	dm_buf_free(&b);
	return rc;
}

/* result_free - release what one result owns */
static void
result_free(struct dmarc_ar_result *r)
{
	size_t i;

	for (i = 0; i < r->nprops; i++) {
		free(r->props[i].ptype);
		free(r->props[i].property);
		free(r->props[i].value);
	}
	free(r->props);
	free(r->method);
	free(r->result);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/* dmarc_authres_free - release a parsed field (NULL is fine) */
void
dmarc_authres_free(struct dmarc_authres *ar)
{
	size_t i;

	if (ar == NULL)
		return;
	for (i = 0; i < ar->nresults; i++)
		result_free(&ar->results[i]);
	free(ar->results);
	free(ar->authserv_id);
	free(ar);
}

/*
 * parse_methodspec - method [ "/" version ] "=" result, with CFWS; fills
 * r->method, r->result and r->code.
 */
static int
parse_methodspec(struct cur *c, struct dmarc_ar_result *r)
{
	size_t start = c->i, n;

	if ((n = scan_keyword(c)) == 0)
		return MALFORMED;
	if ((r->method = lower_dup(c->p + start, n)) == NULL)
		return DMARC_ENOMEM;
	if (skip_cfws(c) != 0)
		return MALFORMED;
	if (peek(c) == '/') {
		c->i++;
		if (skip_cfws(c) != 0 || scan_keyword(c) == 0 ||
		    skip_cfws(c) != 0)
			return MALFORMED;
	}
	if (peek(c) != '=')
		return MALFORMED;
	c->i++;
	if (skip_cfws(c) != 0)
		return MALFORMED;
	start = c->i;
	if ((n = scan_keyword(c)) == 0)
		return MALFORMED;
	if ((r->result = lower_dup(c->p + start, n)) == NULL)
		return DMARC_ENOMEM;
	r->code = dmarc_ares_parse(r->result, n);
	return DMARC_OK;
}

/* add_prop - keep ptype.property=value in r (dropped beyond the cap) */
static int
add_prop(struct dmarc_ar_result *r, const char *pt, size_t ptlen,
    const char *pr, size_t prlen, char *value)
{
	struct dmarc_ar_prop *np;

	if (r->nprops >= DMARC_MAXPROPS) {
		free(value);
		return DMARC_OK;
	}
	if (r->props == NULL &&
	    (r->props = calloc(DMARC_MAXPROPS, sizeof(*r->props))) == NULL) {
		free(value);
		return DMARC_ENOMEM;
	}
	np = &r->props[r->nprops];
	np->ptype = lower_dup(pt, ptlen);
	np->property = lower_dup(pr, prlen);
	np->value = value;
	r->nprops++;
	if (np->ptype == NULL || np->property == NULL)
		return DMARC_ENOMEM;
	return DMARC_OK;
}

/*
 * parse_spec - one reasonspec, propspec, or unknown "key=value" (such as
 * Microsoft's "action=none", skipped) after a methodspec.
 */
static int
parse_spec(struct cur *c, struct dmarc_ar_result *r)
{
	size_t kstart = c->i, klen, pstart, plen;
	char *value;
	int rc;

	if ((klen = scan_keyword(c)) == 0 || skip_cfws(c) != 0)
		return MALFORMED;
	if (peek(c) == '=') {
		c->i++;
		if (skip_cfws(c) != 0)
			return MALFORMED;
		if ((rc = read_value(c, &value, 0, 0)) != DMARC_OK)
			return rc;
		if (r->reason == NULL &&
		    dm_strncaseeq(c->p + kstart, klen, "reason"))
			r->reason = value;
		else
			free(value);
		return DMARC_OK;
	}
	if (peek(c) != '.')
		return MALFORMED;
	c->i++;
	if (skip_cfws(c) != 0)
		return MALFORMED;
	pstart = c->i;
	if ((plen = scan_keyword(c)) == 0 || skip_cfws(c) != 0 ||
	    peek(c) != '=')
		return MALFORMED;
	c->i++;
	if (skip_cfws(c) != 0)
		return MALFORMED;
	if ((rc = read_value(c, &value, 0, 0)) != DMARC_OK)
		return rc;
	return add_prop(r, c->p + kstart, klen, c->p + pstart, plen, value);
}

/*
 * parse_resinfo - methodspec and its specs, up to (not including) the
 * next ';' or the end.  On error r holds whatever was allocated.
 */
static int
parse_resinfo(struct cur *c, struct dmarc_ar_result *r)
{
	int rc;

	if ((rc = parse_methodspec(c, r)) != DMARC_OK)
		return rc;
	for (;;) {
		if (skip_cfws(c) != 0)
			return MALFORMED;
		if (at_end(c) || peek(c) == ';')
			return DMARC_OK;
		if ((rc = parse_spec(c, r)) != DMARC_OK)
			return rc;
	}
}

/* is_none - the cursor is at "none" followed by CFWS and ';' or the end */
static int
is_none(struct cur *c)
{
	struct cur t = *c;
	size_t n = scan_keyword(&t);

	if (!dm_strncaseeq(c->p + c->i, n, "none") || skip_cfws(&t) != 0)
		return 0;
	if (!at_end(&t) && peek(&t) != ';')
		return 0;
	*c = t;
	return 1;
}

/* commit - move r into ar (dropped beyond DMARC_MAXRESULTS) */
static int
commit(struct dmarc_authres *ar, struct dmarc_ar_result *r)
{
	if (ar->nresults >= DMARC_MAXRESULTS) {
		result_free(r);
		return DMARC_OK;
	}
	if (ar->results == NULL && (ar->results = calloc(DMARC_MAXRESULTS,
	    sizeof(*ar->results))) == NULL) {
		result_free(r);
		return DMARC_ENOMEM;
	}
	ar->results[ar->nresults++] = *r;
	memset(r, 0, sizeof(*r));
	return DMARC_OK;
}

/*
 * parse_results - the resinfo list.  first: the cursor is at a
 * methodspec with no ';' before it (ADMD-less field).  *bad is set when
 * something was skipped as malformed.
 */
static int
parse_results(struct cur *c, struct dmarc_authres *ar, int first, int *bad)
{
	struct dmarc_ar_result r;
	int rc;

	for (;; first = 0) {
		if (!first) {
			if (skip_cfws(c) != 0)
				*bad = 1;
			if (at_end(c))
				return DMARC_OK;
			if (peek(c) != ';') {
				*bad = 1;
				skip_to_semi(c);
				continue;
			}
			c->i++;
			if (skip_cfws(c) != 0)
				*bad = 1;
			if (at_end(c) || peek(c) == ';')
				continue;
			if (ar->nresults == 0 && is_none(c)) {
				ar->none = 1;
				continue;
			}
		}
		memset(&r, 0, sizeof(r));
		rc = parse_resinfo(c, &r);
		if (rc == DMARC_OK)
			rc = commit(ar, &r);
		result_free(&r);
		if (rc == MALFORMED) {
			*bad = 1;
			skip_to_semi(c);
		} else if (rc != DMARC_OK)
			return rc;
	}
}

/* skip_arc_instance - skip a leading "i=<digits>;" (ARC-A-R values) */
static void
skip_arc_instance(struct cur *c)
{
	struct cur t = *c;
	size_t n, start;

	if (skip_cfws(&t) != 0)
		return;
	start = t.i;
	n = scan_keyword(&t);
	if (!dm_strncaseeq(t.p + start, n, "i") || skip_cfws(&t) != 0 ||
	    peek(&t) != '=')
		return;
	t.i++;
	if (skip_cfws(&t) != 0)
		return;
	for (n = 0; peek(&t) >= '0' && peek(&t) <= '9'; n++)
		t.i++;
	if (n == 0 || n > 10 || skip_cfws(&t) != 0 || peek(&t) != ';')
		return;
	t.i++;
	*c = t;
}

/* parse_version - optional authres-version after the authserv-id */
static void
parse_version(struct cur *c, struct dmarc_authres *ar)
{
	struct cur t = *c;
	int v = 0;
	size_t n;

	for (n = 0; peek(&t) >= '0' && peek(&t) <= '9'; n++, t.i++)
		if (v < 100000)
			v = v * 10 + (peek(&t) - '0');
	if (n == 0 || skip_cfws(&t) != 0 || (!at_end(&t) && peek(&t) != ';'))
		return;
	ar->version = v;
	*c = t;
}

/*
 * parse_head - authserv-id and version.  *admdless is set when the field
 * starts with a methodspec instead (the cursor is then left there).
 */
static int
parse_head(struct cur *c, struct dmarc_authres *ar, int *admdless, int *bad)
{
	struct cur t;
	int rc, quoted;

	*admdless = 0;
	if (skip_cfws(c) != 0 || at_end(c)) {
		*bad = 1;
		return DMARC_OK;
	}
	if (peek(c) == ';')
		return DMARC_OK;	/* no authserv-id; results follow */
	t = *c;
	rc = read_value(&t, &ar->authserv_id, 1, 1);
	if (rc == MALFORMED) {
		*bad = 1;
		skip_to_semi(c);
		return DMARC_OK;
	}
	if (rc != DMARC_OK)
		return rc;
	quoted = peek(c) == '"';
	if (skip_cfws(&t) != 0) {
		*bad = 1;
		*c = t;
		return DMARC_OK;
	}
	if (!quoted && (peek(&t) == '=' || peek(&t) == '/')) {
		/* "spf=pass ...": a resinfo, not an authserv-id */
		free(ar->authserv_id);
		ar->authserv_id = NULL;
		*admdless = 1;
		return DMARC_OK;
	}
	*c = t;
	parse_version(c, ar);
	if (!at_end(c) && peek(c) != ';') {
		*bad = 1;
		skip_to_semi(c);
	}
	return DMARC_OK;
}

/* dmarc_authres_parse - see the file header */
int
dmarc_authres_parse(const char *value, size_t len, struct dmarc_authres **out)
{
	struct dmarc_authres *ar;
	struct cur c;
	int rc, admdless = 0, bad = 0;

	if (out == NULL)
		return DMARC_EINVAL;
	*out = NULL;
	if (value == NULL && len > 0)
		return DMARC_EINVAL;
	if (len > DMARC_MAXHDR)
		return DMARC_ETOOBIG;
	if ((ar = calloc(1, sizeof(*ar))) == NULL)
		return DMARC_ENOMEM;
	ar->version = 1;
	c.p = value;
	c.len = len;
	c.i = 0;
	skip_arc_instance(&c);
	rc = parse_head(&c, ar, &admdless, &bad);
	if (rc == DMARC_OK)
		rc = parse_results(&c, ar, admdless, &bad);
	if (rc == DMARC_OK && ar->nresults == 0 && !ar->none &&
	    (bad || ar->authserv_id == NULL))
		rc = DMARC_ESYNTAX;
	if (rc != DMARC_OK) {
		dmarc_authres_free(ar);
		return rc;
	}
	*out = ar;
	return DMARC_OK;
}

/* dmarc_authres_prop - first ptype.property value of r (borrowed) */
const char *
dmarc_authres_prop(const struct dmarc_ar_result *r, const char *ptype,
    const char *property)
{
	size_t i;

	if (r == NULL || ptype == NULL || property == NULL)
		return NULL;
	for (i = 0; i < r->nprops; i++)
		if (dm_strcaseeq(r->props[i].ptype, ptype) &&
		    dm_strcaseeq(r->props[i].property, property))
			return r->props[i].value;
	return NULL;
}
