/*
 * from.c -- extract the author domains from an RFC 5322 From: field
 *
 * SYNOPSIS
 *	int
 *	dmarc_from_parse(const char *value, size_t len,
 *	    struct dmarc_from *out);
 *
 *	void
 *	dmarc_from_clear(struct dmarc_from *from);
 *
 * DESCRIPTION
 *	Reads the unfolded (or still folded) value of one From: field as an
 *	RFC 5322 section 3.4 address-list: mailboxes, name-addr and addr-spec,
 *	groups (RFC 6854), display-name phrases, quoted strings with
 *	quoted-pairs, nested comments, domain literals and the sane obsolete
 *	forms (CFWS around the dots of a local part or domain, source routes
 *	"<@a,@b:u@d>", empty list elements, dots in phrases).  A tokenizer
 *	turns the value into atoms, quoted strings, domain literals and
 *	specials, skipping whitespace, CR, LF and comments; a small recursive
 *	descent parser over those tokens collects every mailbox.
 *
 *	RFC 2047 encoded words are single opaque atoms, so "=?x?q?a@b,<c?="
 *	in a display name cannot change where an address starts or ends; an
 *	encoded word with specials inside is an error where a local part is
 *	expected.  UTF-8 (RFC 6532) is accepted in atoms, hence in local parts
 *	and domains.  Every domain passes dmarc_domain_normalize(); one that
 *	fails makes the whole field DMARC_ESYNTAX.  A domain literal counts as
 *	a mailbox without a usable domain (nnodomain).
 *
 *	Tolerated although not RFC 5322: a display name before a bare
 *	addr-spec ("Joe joe@example.com", the domain is unambiguous), a group
 *	left open at the end of the value ("Mail From:<a@example.com>"), and
 *	stray dots in a local part ("a..b@", seen from Japanese carriers).
 *
 *	Calls accumulate: naddrs and nnodomain grow, domains[] holds the
 *	distinct normalized domains in first-seen order and locals[] the
 *	unquoted local part of the first mailbox of each.
 *
 * DIAGNOSTICS
 *	DMARC_OK; DMARC_ESYNTAX (empty value, unbalanced <, >, quotes,
 *	comments or brackets, a word without '@' where a mailbox belongs,
 *	trailing junk, a domain that fails normalization, a NUL byte);
 *	DMARC_ETOOBIG when the value exceeds DMARC_MAXHDR (nothing parsed) or
 *	more than DMARC_MAXFROM distinct domains were seen (the first
 *	DMARC_MAXFROM are kept); DMARC_ENOMEM; DMARC_EINVAL.  On ESYNTAX and
 *	ENOMEM out is left exactly as it was before the call.
 *
 * WHY A FILE OF ITS OWN
 *	Most of our ancestors' DMARC CVEs began in header parsing buried in
 *	the milter (CVE-2019-16378, CVE-2021-34555, OpenDMARC #113, #243).
 *	Here it is small and fuzzed alone (tests/fuzz/from_fuzz.c).
 *
 * SEE ALSO
 *	RFC 5322 section 3.4, RFC 6854, RFC 6532, RFC 2047; RFC 9989 section
 *	5.3.1; standards.md D-11..D-14
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum tok_type {
	T_END = 0,		/* end of input */
	T_ATOM,			/* atext run, or one encoded word */
	T_QSTR,			/* quoted string, p/len inside quotes */
	T_DLIT,			/* domain literal, inside brackets */
	T_SPEC			/* one of < > @ , ; : . */
};

struct tok {
	enum tok_type	 type;
	int		 ch;		/* the special (T_SPEC) */
	const char	*p;
	size_t		 len;
	int		 opaque;	/* encoded word holding specials */
};

struct lex {
	const char	*p;
	size_t		 len;
	size_t		 pos;
	struct tok	 tok;		/* the lookahead token */
};

struct parser {
	struct lex	 lx;
	struct dmarc_from *out;
	struct dm_buf	 local;		/* local part so far */
	int		 toobig;	/* a domain beyond DMARC_MAXFROM */
};

/* is_atext - RFC 5322 atext, plus any 8-bit octet (RFC 6532 UTF8-non-ascii) */
static int
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* is_wsp - whitespace, folding and the stray CR or LF all count as space */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_comment - skip one (possibly nested) comment starting at '(' */
static int
skip_comment(struct lex *lx)
{
	size_t depth = 0;

	while (lx->pos < lx->len) {
		char c = lx->p[lx->pos++];

		if (c == '\0')
			return DMARC_ESYNTAX;
		if (c == '\\') {
			if (lx->pos >= lx->len)
				return DMARC_ESYNTAX;
			lx->pos++;
		} else if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			return DMARC_OK;
	}
	return DMARC_ESYNTAX;
}

/* skip_cfws - skip whitespace and comments before the next token */
static int
skip_cfws(struct lex *lx)
{
	int rc;

	while (lx->pos < lx->len) {
		if (is_wsp((unsigned char)lx->p[lx->pos]))
			lx->pos++;
		else if (lx->p[lx->pos] == '(') {
			if ((rc = skip_comment(lx)) != DMARC_OK)
				return rc;
		} else
			break;
	}
	return DMARC_OK;
}

/* lex_delimited - quoted string or domain literal, quoted-pairs honoured */
static int
lex_delimited(struct lex *lx, enum tok_type type, char close)
{
	size_t start = ++lx->pos;

	while (lx->pos < lx->len) {
		char c = lx->p[lx->pos];

		if (c == '\0' || (type == T_DLIT && c == '['))
			return DMARC_ESYNTAX;
		if (c == '\\') {
			if (lx->pos + 1 >= lx->len)
				return DMARC_ESYNTAX;
			lx->pos += 2;
			continue;
		}
		if (c == close) {
			lx->tok.type = type;
			lx->tok.p = lx->p + start;
			lx->tok.len = lx->pos - start;
			lx->pos++;
			return DMARC_OK;
		}
		lx->pos++;
	}
	return DMARC_ESYNTAX;
}

/* ew_end - end of an RFC 2047 encoded word at i, or 0 when there is none */
static size_t
ew_end(const char *p, size_t len, size_t i)
{
	size_t j = i + 2, part;

	if (i + 1 >= len || p[i] != '=' || p[i + 1] != '?')
		return 0;
	for (part = 0; part < 3; part++) {
		size_t start = j;

		while (j < len && p[j] > ' ' && p[j] < 0x7f && p[j] != '?')
			j++;
		if (j >= len || (part < 2 && j == start))
			return 0;
		if (part == 1 && (j - start != 1 ||
		    strchr("bBqQ", p[start]) == NULL))
			return 0;
		j++;		/* the '?' */
	}
	if (j >= len || p[j] != '=')
		return 0;
	return j + 1;
}

/* lex_atom - an atext run, or one encoded word kept whole (opaque) */
static void
lex_atom(struct lex *lx)
{
	size_t start = lx->pos, end, i;

	lx->tok.type = T_ATOM;
	lx->tok.opaque = 0;
	if ((end = ew_end(lx->p, lx->len, lx->pos)) != 0) {
		for (i = start; i < end; i++)
			if (!is_atext((unsigned char)lx->p[i]))
				lx->tok.opaque = 1;
		lx->pos = end;
	} else
		while (lx->pos < lx->len &&
		    is_atext((unsigned char)lx->p[lx->pos]))
			lx->pos++;
	lx->tok.p = lx->p + start;
	lx->tok.len = lx->pos - start;
}

/* advance - read the next token into lx->tok */
static int
advance(struct lex *lx)
{
	int rc;
	char c;

	memset(&lx->tok, 0, sizeof(lx->tok));
	if ((rc = skip_cfws(lx)) != DMARC_OK)
		return rc;
	if (lx->pos >= lx->len) {
		lx->tok.type = T_END;
		return DMARC_OK;
	}
	c = lx->p[lx->pos];
	if (c == '"')
		return lex_delimited(lx, T_QSTR, '"');
	if (c == '[')
		return lex_delimited(lx, T_DLIT, ']');
	if (c != '\0' && strchr("<>@,;:.", c) != NULL) {
		lx->tok.type = T_SPEC;
		lx->tok.ch = c;
		lx->tok.p = lx->p + lx->pos++;
		lx->tok.len = 1;
		return DMARC_OK;
	}
	if (!is_atext((unsigned char)c))
		return DMARC_ESYNTAX;	/* ) ] \ NUL and other controls */
	lex_atom(lx);
	return DMARC_OK;
}

/* is_spec - the current token is the special c */
static int
is_spec(const struct lex *lx, int c)
{
	return lx->tok.type == T_SPEC && lx->tok.ch == c;
}

/* is_word - the current token is an RFC 5322 word (atom or quoted string) */
static int
is_word(const struct lex *lx)
{
	return lx->tok.type == T_ATOM || lx->tok.type == T_QSTR;
}

/* add_word - append the current word to the local part, unquoted */
static int
add_word(struct parser *ps)
{
	const struct tok *t = &ps->lx.tok;
	size_t i;

	if (t->type == T_ATOM)
		return dm_buf_add(&ps->local, t->p, t->len);
	for (i = 0; i < t->len; i++) {
		if (t->p[i] == '\r' || t->p[i] == '\n')
			continue;	/* folding inside the quotes */
		if (t->p[i] == '\\')
			i++;		/* the lexer saw its partner */
		dm_buf_addc(&ps->local, t->p[i]);
	}
	return ps->local.err;
}

/* local_reset - start collecting a new local part */
static void
local_reset(struct parser *ps)
{
	ps->local.len = 0;
	if (ps->local.data != NULL)
		ps->local.data[0] = '\0';
}

/* find_domain - index of normalized name in out, or -1 */
static int
find_domain(const struct dmarc_from *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->ndomains; i++)
		if (strcmp(out->domains[i], name) == 0)
			return (int)i;
	return -1;
}

/* add_mailbox - count one mailbox; raw NULL means no usable domain */
static int
add_mailbox(struct parser *ps, const char *raw, size_t rawlen)
{
	struct dmarc_from *out = ps->out;
	char norm[DMARC_MAXDOMAIN + 1];
	const char *local = ps->local.data ? ps->local.data : "";
	int rc;

	out->naddrs++;
	if (raw == NULL) {
		out->nnodomain++;
		return DMARC_OK;
	}
	rc = dmarc_domain_normalize(raw, rawlen, norm, sizeof(norm));
	if (rc != DMARC_OK)
		return rc == DMARC_ENOMEM ? rc : DMARC_ESYNTAX;
	if (find_domain(out, norm) >= 0)
		return DMARC_OK;
	if (out->ndomains >= DMARC_MAXFROM) {
		ps->toobig = 1;
		return DMARC_OK;
	}
	out->domains[out->ndomains] = dm_strndup(norm, strlen(norm));
	out->locals[out->ndomains] = dm_strndup(local, ps->local.len);
	if (out->domains[out->ndomains] == NULL ||
	    out->locals[out->ndomains] == NULL) {
		free(out->domains[out->ndomains]);
		free(out->locals[out->ndomains]);
		out->domains[out->ndomains] = out->locals[out->ndomains] = NULL;
		return DMARC_ENOMEM;
	}
	out->ndomains++;
	return DMARC_OK;
}

/*
 * parse_domain - the domain after '@' (dot-atom, obs-domain with CFWS, or
 * a domain literal), then record the mailbox
 */
static int
parse_domain(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	char raw[4 * DMARC_MAXDOMAIN + 2];
	size_t n = 0;
	int prev_atom = 0, rc;

	if (lx->tok.type == T_DLIT) {
		if ((rc = advance(lx)) != DMARC_OK)
			return rc;
		return add_mailbox(ps, NULL, 0);
	}
	if (lx->tok.type != T_ATOM)
		return DMARC_ESYNTAX;
	while ((lx->tok.type == T_ATOM && !prev_atom) || is_spec(lx, '.')) {
		if (lx->tok.len > sizeof(raw) - n)
			return DMARC_ESYNTAX;	/* far too long */
		memcpy(raw + n, lx->tok.p, lx->tok.len);
		n += lx->tok.len;
		prev_atom = lx->tok.type == T_ATOM;
		if ((rc = advance(lx)) != DMARC_OK)
			return rc;
	}
	return add_mailbox(ps, raw, n);
}

/* skip_route - obs-route "@a,@b:" inside an angle-addr; domains ignored */
static int
skip_route(struct lex *lx)
{
	int rc;

	for (;;) {
		if (is_spec(lx, '@')) {
			if ((rc = advance(lx)) != DMARC_OK)
				return rc;
			if (lx->tok.type != T_ATOM && lx->tok.type != T_DLIT)
				return DMARC_ESYNTAX;
			do {
				if ((rc = advance(lx)) != DMARC_OK)
					return rc;
			} while (lx->tok.type == T_ATOM || is_spec(lx, '.'));
		}
		if (is_spec(lx, ':'))
			return advance(lx);
		if (!is_spec(lx, ','))
			return DMARC_ESYNTAX;
		if ((rc = advance(lx)) != DMARC_OK)
			return rc;
	}
}

/* parse_angle - "<" [route] local "@" domain ">" */
static int
parse_angle(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	int words = 0, prev_word = 0, rc;

	if ((rc = advance(lx)) != DMARC_OK)
		return rc;
	if (is_spec(lx, '@') && (rc = skip_route(lx)) != DMARC_OK)
		return rc;
	local_reset(ps);
	while (is_word(lx) || is_spec(lx, '.')) {
		if (is_word(lx)) {
			if (prev_word || lx->tok.opaque)
				return DMARC_ESYNTAX;	/* "<a b@c>" */
			words++;
			rc = add_word(ps);
		} else
			rc = dm_buf_addc(&ps->local, '.');
		if (rc != DMARC_OK)
			return rc;
		prev_word = is_word(lx);
		if ((rc = advance(lx)) != DMARC_OK)
			return rc;
	}
	if (words == 0 || !is_spec(lx, '@'))
		return DMARC_ESYNTAX;		/* "<>", "<<", "<user>" */
	if ((rc = advance(lx)) != DMARC_OK ||
	    (rc = parse_domain(ps)) != DMARC_OK)
		return rc;
	if (!is_spec(lx, '>'))
		return DMARC_ESYNTAX;
	return advance(lx);
}

static int parse_address(struct parser *, int);

/* parse_group - after "name:", a possibly empty mailbox list and ";" */
static int
parse_group(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	int rc;

	if ((rc = advance(lx)) != DMARC_OK)
		return rc;
	for (;;) {
		while (is_spec(lx, ','))
			if ((rc = advance(lx)) != DMARC_OK)
				return rc;
		if (is_spec(lx, ';'))
			return advance(lx);
		if (lx->tok.type == T_END)
			return DMARC_OK;	/* tolerated: group left open */
		if ((rc = parse_address(ps, 1)) != DMARC_OK)
			return rc;
		if (!is_spec(lx, ',') && !is_spec(lx, ';') &&
		    lx->tok.type != T_END)
			return DMARC_ESYNTAX;
	}
}

/*
 * parse_address - a mailbox or (outside a group) a group.  The leading
 * phrase is read once; its last dot-joined run of words is kept as the
 * local part in case '@' follows (an addr-spec, possibly after a display
 * name that lacks its angle brackets).
 */
static int
parse_address(struct parser *ps, int in_group)
{
	struct lex *lx = &ps->lx;
	int words = 0, chain = 0, opaque = 0, prev_word = 0, rc;

	local_reset(ps);
	while (is_word(lx) || is_spec(lx, '.')) {
		if (is_word(lx)) {
			if (prev_word) {
				local_reset(ps);	/* a new run */
				chain = opaque = 0;
			}
			words++;
			chain++;
			opaque |= lx->tok.opaque;
			rc = add_word(ps);
		} else
			rc = dm_buf_addc(&ps->local, '.');
		if (rc != DMARC_OK)
			return rc;
		prev_word = is_word(lx);
		if ((rc = advance(lx)) != DMARC_OK)
			return rc;
	}
	if (is_spec(lx, ':') && !in_group && words > 0)
		return parse_group(ps);
	if (is_spec(lx, '<'))
		return parse_angle(ps);
	if (!is_spec(lx, '@') || chain == 0 || opaque)
		return DMARC_ESYNTAX;	/* bare word, stray special */
	if ((rc = advance(lx)) != DMARC_OK)
		return rc;
	return parse_domain(ps);
}

/* parse_list - address-list with the obsolete empty elements */
static int
parse_list(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	size_t n = 0;
	int rc;

	if ((rc = advance(lx)) != DMARC_OK)
		return rc;
	for (;;) {
		while (is_spec(lx, ','))
			if ((rc = advance(lx)) != DMARC_OK)
				return rc;
		if (lx->tok.type == T_END)
			break;
		if ((rc = parse_address(ps, 0)) != DMARC_OK)
			return rc;
		n++;
		if (!is_spec(lx, ',') && lx->tok.type != T_END)
			return DMARC_ESYNTAX;	/* trailing junk */
	}
	return n == 0 ? DMARC_ESYNTAX : DMARC_OK;
}

/* rollback - forget the domains this call added (error path) */
static void
rollback(struct dmarc_from *out, const struct dmarc_from *saved)
{
	size_t i;

	for (i = saved->ndomains; i < out->ndomains; i++) {
		free(out->domains[i]);
		free(out->locals[i]);
		out->domains[i] = out->locals[i] = NULL;
	}
	out->naddrs = saved->naddrs;
	out->nnodomain = saved->nnodomain;
	out->ndomains = saved->ndomains;
}

/* dmarc_from_parse - see the file header */
int
dmarc_from_parse(const char *value, size_t len, struct dmarc_from *out)
{
	struct parser ps;
	struct dmarc_from saved;
	int rc;

	if (out == NULL || (value == NULL && len > 0) ||
	    out->ndomains > DMARC_MAXFROM)
		return DMARC_EINVAL;
	if (len > DMARC_MAXHDR)
		return DMARC_ETOOBIG;
	memset(&ps, 0, sizeof(ps));
	ps.lx.p = value;
	ps.lx.len = len;
	ps.out = out;
	dm_buf_init(&ps.local, DMARC_MAXHDR);
	saved = *out;
	rc = parse_list(&ps);
	dm_buf_free(&ps.local);
	if (rc == DMARC_ETOOBIG)
		rc = DMARC_ESYNTAX;	/* only the local part says so */
	if (rc != DMARC_OK) {
		rollback(out, &saved);
		return rc;
	}
	return ps.toobig ? DMARC_ETOOBIG : DMARC_OK;
}

/* dmarc_from_clear - free the strings and zero the structure */
void
dmarc_from_clear(struct dmarc_from *from)
{
	size_t i;

	if (from == NULL)
		return;
	for (i = 0; i < from->ndomains && i < DMARC_MAXFROM; i++) {
		free(from->domains[i]);
		free(from->locals[i]);
	}
	memset(from, 0, sizeof(*from));
}
