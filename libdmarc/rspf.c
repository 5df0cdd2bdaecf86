/*
 * rspf.c -- parse a Received-SPF field (RFC 7208 section 9.1)
 *
 * SYNOPSIS
 *	int
 *	dmarc_rspf_parse(const char *value, size_t len,
 *	    struct dmarc_rspf **out);
 *
 *	void
 *	dmarc_rspf_free(struct dmarc_rspf *rs);
 *
 * DESCRIPTION
 *	The value is "result [comment] [key-value-list]".  The result word
 *	goes through dmarc_ares_parse(); a word that is not an SPF result
 *	becomes DMARC_ARES_PERMERROR (compat 6.2 step 8).  Keys are
 *	case-insensitive, CFWS may surround the '=' as the RFC's ABNF allows,
 *	and only the first '=' separates key from value, so
 *	VERP local parts ("a=b@c", "a==b@c", "a===b@c": OpenDMARC #206, #221,
 *	#300) stay whole.  A value is a quoted string (quoted-pairs resolved,
 *	folding removed) or a run of octets up to whitespace, ';' or '('.
 *	Comments may appear anywhere and nest.  The ';' separators are
 *	optional, as many writers omit them; a stray word that is not
 *	key=value is skipped, and unknown keys are ignored.  identity is
 *	lower-cased; envelope-from, helo, client-ip and receiver are kept as
 *	written (unquoted).
 *
 * DIAGNOSTICS
 *	DMARC_OK; DMARC_ESYNTAX when the result is missing, a comment or
 *	quoted string is unterminated, the value holds a NUL byte, or one of
 *	the keys we keep appears twice (which one would a consumer believe?);
 *	DMARC_ETOOBIG beyond DMARC_MAXHDR; DMARC_ENOMEM; DMARC_EINVAL.
 *
 * WHY A FILE OF ITS OWN
 *	OpenDMARC's hand-rolled parser reset its buffer on every '=' and
 *	credited the wrong domain (#206, #221).  The field decides whether an
 *	SPF pass counts (CVE-2019-20790), so it is parsed alone and fuzzed
 *	(tests/fuzz/rspf_fuzz.c).
 *
 * SEE ALSO
 *	RFC 7208 section 9.1; trust.c (dmarc_authinfo_add_rspf)
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct cursor {
	const char	*p;
	size_t		 len;
	size_t		 pos;
};

/* Keys we keep, and where each goes. */
enum rspf_key {
	K_IDENTITY, K_ENVFROM, K_HELO, K_CLIENTIP, K_RECEIVER, K_NKEYS
};

static const char *const rspf_keys[K_NKEYS] = {
	"identity", "envelope-from", "helo", "client-ip", "receiver"
};

/* is_sp - whitespace; folding CR/LF counts as space */
static int
is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_keych - characters of a key name (RFC 7208 "name", lenient) */
static int
is_keych(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* skip_comment - one nested comment at '(', quoted-pairs honoured */
static int
skip_comment(struct cursor *c)
{
	size_t depth = 0;

	while (c->pos < c->len) {
		char ch = c->p[c->pos++];

		if (ch == '\\') {
			if (c->pos >= c->len)
				return DMARC_ESYNTAX;
			c->pos++;
		} else if (ch == '(')
			depth++;
		else if (ch == ')' && --depth == 0)
			return DMARC_OK;
	}
	return DMARC_ESYNTAX;
}

/* skip_cfws - whitespace, comments and (when semi) ';' separators */
static int
skip_cfws(struct cursor *c, int semi)
{
	int rc;

	while (c->pos < c->len) {
		char ch = c->p[c->pos];

		if (is_sp(ch) || (semi && ch == ';'))
			c->pos++;
		else if (ch == '(') {
			if ((rc = skip_comment(c)) != DMARC_OK)
				return rc;
		} else
			break;
	}
	return DMARC_OK;
}

/* bare_end - end of an unquoted value or word starting at pos */
static size_t
bare_end(const struct cursor *c)
{
	size_t i = c->pos;

	while (i < c->len && !is_sp(c->p[i]) && c->p[i] != ';' &&
	    c->p[i] != '(')
		i++;
	return i;
}

/* read_quoted - quoted-string at '"' into a new string, unquoted */
static int
read_quoted(struct cursor *c, char **val)
{
	struct dm_buf b;

	dm_buf_init(&b, DMARC_MAXHDR);
	dm_buf_add(&b, "", 0);	/* so "" comes back terminated */
	for (c->pos++; c->pos < c->len; c->pos++) {
		char ch = c->p[c->pos];

		if (ch == '"') {
			c->pos++;
			if (b.err) {
				dm_buf_free(&b);
				return DMARC_ENOMEM;
			}
			*val = dm_buf_take(&b, NULL);
			return *val == NULL ? DMARC_ENOMEM : DMARC_OK;
		}
		if (ch == '\r' || ch == '\n')
			continue;
		if (ch == '\\') {
			if (++c->pos >= c->len)
				break;
			ch = c->p[c->pos];
		}
		dm_buf_addc(&b, ch);
	}
	dm_buf_free(&b);
	return DMARC_ESYNTAX;
}

/* read_value - the value after '=': quoted string or bare run */
static int
read_value(struct cursor *c, char **val)
{
	size_t end;

	if (c->pos < c->len && c->p[c->pos] == '"')
		return read_quoted(c, val);
	end = bare_end(c);
	*val = dm_strndup(c->p + c->pos, end - c->pos);
	c->pos = end;
	return *val == NULL ? DMARC_ENOMEM : DMARC_OK;
}

/* key_slot - where the value of key k[0..n) goes, or NULL to ignore it */
static char **
key_slot(struct dmarc_rspf *rs, const char *k, size_t n)
{
	char **slots[K_NKEYS] = {
		&rs->identity, &rs->envelope_from, &rs->helo, &rs->client_ip,
		&rs->receiver
	};
	size_t i;

	for (i = 0; i < K_NKEYS; i++)
		if (dm_strncaseeq(k, n, rspf_keys[i]))
			return slots[i];
	return NULL;
}

/* parse_pair - one "key=value" (or a stray word, skipped) */
static int
parse_pair(struct cursor *c, struct dmarc_rspf *rs)
{
	size_t kstart = c->pos, klen;
	char *val = NULL, **slot;
	int rc;

	while (c->pos < c->len && is_keych(c->p[c->pos]))
		c->pos++;
	klen = c->pos - kstart;
	if (klen > 0) {			/* key [CFWS] "=" [CFWS] value */
		size_t after = c->pos;

		if ((rc = skip_cfws(c, 0)) != DMARC_OK)
			return rc;
		if (c->pos >= c->len || c->p[c->pos] != '=')
			c->pos = after;
	}
	if (klen == 0 || c->pos >= c->len || c->p[c->pos] != '=') {
		if (c->pos < c->len && c->p[c->pos] == '"') {
			if ((rc = read_quoted(c, &val)) != DMARC_OK)
				return rc;
			free(val);	/* a stray quoted word */
		} else
			c->pos = bare_end(c) > c->pos ? bare_end(c) :
			    c->pos + 1;
		return DMARC_OK;
	}
	c->pos++;			/* the first '=' only */
	if ((rc = skip_cfws(c, 0)) != DMARC_OK ||
	    (rc = read_value(c, &val)) != DMARC_OK)
		return rc;
	if ((slot = key_slot(rs, c->p + kstart, klen)) == NULL) {
		free(val);		/* unknown key */
		return DMARC_OK;
	}
	if (*slot != NULL) {
		free(val);
		return DMARC_ESYNTAX;	/* a key we keep, twice */
	}
	*slot = val;
	return DMARC_OK;
}

/* parse_result - the leading result word; PERMERROR when not an SPF one */
static int
parse_result(struct cursor *c, struct dmarc_rspf *rs)
{
	size_t start, end;
	int rc;

	if ((rc = skip_cfws(c, 0)) != DMARC_OK)
		return rc;
	start = c->pos;
	end = bare_end(c);
	if (end == start || memchr(c->p + start, '=', end - start) != NULL ||
	    c->p[start] == '"')
		return DMARC_ESYNTAX;	/* none, or key=value first */
	rs->result = dmarc_ares_parse(c->p + start, end - start);
	switch (rs->result) {
	case DMARC_ARES_PASS:
	case DMARC_ARES_FAIL:
	case DMARC_ARES_SOFTFAIL:
	case DMARC_ARES_NEUTRAL:
	case DMARC_ARES_NONE:
	case DMARC_ARES_TEMPERROR:
	case DMARC_ARES_PERMERROR:
		break;
	default:
		rs->result = DMARC_ARES_PERMERROR;
		break;
	}
	c->pos = end;
	return DMARC_OK;
}

/* dmarc_rspf_parse - see the file header */
int
dmarc_rspf_parse(const char *value, size_t len, struct dmarc_rspf **out)
{
	struct cursor c = { value, len, 0 };
	struct dmarc_rspf *rs;
	int rc;

	if (out == NULL)
		return DMARC_EINVAL;
	*out = NULL;
	if (value == NULL && len > 0)
		return DMARC_EINVAL;
	if (len > DMARC_MAXHDR)
		return DMARC_ETOOBIG;
	if (len == 0 || memchr(value, '\0', len) != NULL)
		return DMARC_ESYNTAX;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return DMARC_ENOMEM;
	rc = parse_result(&c, rs);
	while (rc == DMARC_OK && (rc = skip_cfws(&c, 1)) == DMARC_OK &&
	    c.pos < c.len)
		rc = parse_pair(&c, rs);
	if (rc != DMARC_OK) {
		dmarc_rspf_free(rs);
		return rc;
	}
	if (rs->identity != NULL)
		dm_lowercase(rs->identity);
	*out = rs;
	return DMARC_OK;
}

/* dmarc_rspf_free - free a parsed field; NULL is fine */
void
dmarc_rspf_free(struct dmarc_rspf *rs)
{
	if (rs == NULL)
		return;
	free(rs->identity);
	free(rs->envelope_from);
	free(rs->helo);
	free(rs->client_ip);
	free(rs->receiver);
	free(rs);
}
