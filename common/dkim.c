/*
 * dkim.c -- DKIM verification: libopendkim running on our resolver
 *
 * SYNOPSIS
 *	#include "dkim.h"
 *
 * DESCRIPTION
 *	libopendkim parses the signatures, canonicalizes, hashes and checks
 *	the RSA or Ed25519 signature; this file gives it a DNS service of
 *	its own through dkim_dns_set_query_service() and the start, wait
 *	and cancel hooks.  The lookup runs synchronously in the start hook
 *	through resolver_query(), which returns the answer as a res_query(3)
 *	packet (header, question, answers); the packet is copied into
 *	libopendkim's buffer and the wait hook reports its length, so
 *	libopendkim's own packet parser reads it as if from its resolver.
 *	No init or close hook is installed: the service is set once and
 *	libopendkim only calls its init hook when no service is set.
 *
 *	DNS outcomes (RFC 6376 6.1.2): NXDOMAIN and NODATA reach libopendkim
 *	as packets and give "no key" (permerror); SERVFAIL, a local error or
 *	an answer larger than libopendkim's buffer give a failed query, and
 *	a timeout an expired one; both become DKIM_SIGERROR_KEYFAIL, which
 *	is temperror.
 *
 *	Results (RFC 8601 2.7.1):
 *	  pass       the signature verified and the body hash matched
 *	  fail       the signature or the body hash did not match
 *	  policy     acceptable but against local policy: a key shorter
 *	             than 1024 bits (RFC 8301)
 *	  neutral    the signature could not be processed: syntax errors,
 *	             unsupported algorithm or canonicalization, expired or
 *	             future timestamps, i= not under d=
 *	  permerror  the key: missing, revoked, unusable, several records
 *	  temperror  the key lookup failed for now
 *
 *	A prescreen callback ignores signatures after the first
 *	DKIMV_MAXSIGS, so a message cannot make us do unbounded lookups.
 *
 *	Tag-lists libopendkim accepts and RFC 6376 does not (dkimtags.h):
 *	a DKIM-Signature with a repeated tag is invalid as a whole (3.2)
 *	and reported neutral, whatever libopendkim made of it.  A
 *	key record with a repeated tag or v= not first (3.6.1), or whose
 *	k= does not fit the signature's a= (6.1.2 step 7), gives permerror.
 *	libopendkim keeps the last of repeated tags, so a signature is
 *	matched to its field by the last b=; a key record is checked in the
 *	start hook, which libopendkim calls from dkim_eoh() (or dkim_eom())
 *	in the thread verifying the message (the thread-local "verifying"
 *	names the message).
 *	libopendkim is asked for handles of bad signatures too
 *	(DKIM_LIBFLAGS_BADSIGHANDLES) so they are reported.  It verifies
 *	canonical (CRLF) input only (its FIXCRLF flag works when signing),
 *	while milter header values are folded with bare LF and test-mode
 *	files may use LF throughout: every bare LF becomes CRLF here, in
 *	header values and across body chunks.  Its own key cache stays off:
 *	the resolver caches.  One field no signature can name goes in
 *	before the end of the header, so that libopendkim's header selection
 *	cannot overrun its array (see pad below).
 *
 * DIAGNOSTICS
 *	dkimv_new() fails with a message in err.  A per-message failure
 *	(libopendkim out of memory, a refused header) is logged at debug
 *	level and leaves the message without results from us.
 *
 * WHY A FILE OF ITS OWN
 *	It is the only user of libopendkim.
 *
 * SEE ALSO
 *	RFC 6376, RFC 8301, RFC 8601; resolver.h; spf.c (the same shape)
 */
#include "config.h"

#include <sys/time.h>

#include <arpa/nameser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "dkim.h"
#include "dkimtags.h"
#include "log.h"
#include "xmalloc.h"
#include "zonefile.h"

#define BPREFIX_MIN	8	/* RFC 6008 2: at least 8 characters */

struct dkimv {
	DKIM_LIB	*lib;
	struct resolver	*r;
};

struct dkimv_msg {
	struct dkimv	*dv;
	DKIM		*dkim;
	char		 jobid[64];
	int		 eoh;		/* dkim_eoh() called */
	int		 dead;		/* nothing more to feed */
	int		 signed_;	/* eoh found signatures */
	int		 cr;		/* the last body octet was CR */
	unsigned char	*buf;		/* CRLF-normalized chunk */
	size_t		 bufsize;
	struct {			/* invalid DKIM-Signature fields */
		char	*b;		/* their last b=, no whitespace */
		char	 why[48];
	}		 badsig[DKIMV_MAXSIGS];
	size_t		 nbadsig;
	struct {			/* invalid key records looked up */
		char	 name[256];	/* s._domainkey.d as asked */
		char	 why[48];
	}		 badkey[DKIMV_MAXSIGS];
	size_t		 nbadkey;
};

/* The message whose dkim_eoh() or dkim_eom() runs in this thread. */
static _Thread_local struct dkimv_msg *verifying;

/* One finished lookup, handed from the start hook to the wait hook. */
struct dnsq {
	int	 status;	/* DKIM_DNS_* */
	size_t	 len;
};

/*
 * check_key - the TXT answer pkt of a key lookup for name: one record
 * whose tag-list is invalid is noted in the message being verified
 */
static void
check_key(struct dkimv_msg *vm, const char *name, const unsigned char *pkt,
    size_t len)
{
	struct dmarc_dns_txt txt = { 0, NULL, NULL };
	ns_msg	 msg;
	ns_rr	 rr;
	char	 why[48];
	int	 i, n;

	if (vm->nbadkey == DKIMV_MAXSIGS || len > NS_MAXMSG ||
	    ns_initparse(pkt, (int)len, &msg) < 0)
		return;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++)
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    (ns_rr_type(rr) == ns_t_txt &&
		    zonefile_txt_rdata_add(ns_rr_rdata(rr), ns_rr_rdlen(rr),
		    &txt) != 0)) {
			dmarc_dns_txt_clear(&txt);
			return;		/* libopendkim's parser says why */
		}
	if (txt.n == 1 && dkimtags_check(txt.rr[0], txt.len[0],
	    DKIMTAGS_KEY, why, sizeof(why)) != 0) {
		snprintf(vm->badkey[vm->nbadkey].name,
		    sizeof(vm->badkey[0].name), "%s", name);
		snprintf(vm->badkey[vm->nbadkey++].why,
		    sizeof(vm->badkey[0].why), "%s", why);
	}
	dmarc_dns_txt_clear(&txt);
}

/* dns_start - the start hook: the whole lookup, into libopendkim's buffer */
static int
dns_start(void *srv, int type, unsigned char *query, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct dkimv	*dv = srv;
	struct dnsq	*q = xcalloc(1, sizeof(*q));
	unsigned char	*pkt = NULL;
	size_t		 len = 0;

	switch (resolver_query(dv->r, (const char *)query, type, &pkt, &len)) {
	case DMARC_DNS_DATA:
	case DMARC_DNS_NODATA:
	case DMARC_DNS_NXDOMAIN:
		if (pkt != NULL && len <= buflen) {
			if (type == ns_t_txt && verifying != NULL)
				check_key(verifying, (const char *)query, pkt,
				    len);
			memcpy(buf, pkt, len);
			q->len = len;
			q->status = DKIM_DNS_SUCCESS;
		} else
			q->status = DKIM_DNS_ERROR;	/* too large: local */
		break;
	case DMARC_DNS_TIMEOUT:
		q->status = DKIM_DNS_EXPIRED;
		break;
	default:
		q->status = DKIM_DNS_ERROR;
		break;
	}
	free(pkt);
	*qh = q;
	return 0;
}

/* dns_waitreply - the wait hook: the answer is already there */
static int
dns_waitreply(void *srv, void *qh, struct timeval *to, size_t *bytes,
    int *error, int *dnssec)
{
	struct dnsq *q = qh;

	(void)srv;
	(void)to;
	if (bytes != NULL)
		*bytes = q->len;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return q->status;
}

/* dns_cancel - the cancel hook: libopendkim calls it after every wait */
static int
dns_cancel(void *srv, void *qh)
{
	(void)srv;
	free(qh);
	return DKIM_DNS_SUCCESS;
}

/* same_b - libopendkim's b= of sig equals b (whitespace aside) */
static int
same_b(DKIM_SIGINFO *sig, const char *b)
{
	const unsigned char *p = dkim_sig_gettagvalue(sig, false,
	    (unsigned char *)"b");

	if (p == NULL)
		return 0;
	for (;; p++) {
		while (*p != '\0' && *p <= ' ')
			p++;
		while (*b != '\0' && (unsigned char)*b <= ' ')
			b++;
		if (*p != (unsigned char)*b)
			return 0;
		if (*p == '\0')
			return 1;
		b++;
	}
}

/* badsig - why sig's field is an invalid tag-list; NULL when it is not */
static const char *
badsig(const struct dkimv_msg *vm, DKIM_SIGINFO *sig)
{
	size_t i;

	for (i = 0; vm != NULL && i < vm->nbadsig; i++)
		if (same_b(sig, vm->badsig[i].b))
			return vm->badsig[i].why;
	return NULL;
}

/* prescreen - ignore signatures after the first DKIMV_MAXSIGS */
static DKIM_CBSTAT
prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct dkimv_msg *vm = dkim_get_user_context(dkim);
	int i;

	for (i = DKIMV_MAXSIGS; i < nsigs; i++)
		dkim_sig_ignore(sigs[i]);
	if (nsigs > DKIMV_MAXSIGS)
		log_debug("%s: %d DKIM signatures, verifying the first %d",
		    vm != NULL ? vm->jobid : "-", nsigs, DKIMV_MAXSIGS);
	return DKIM_CBSTAT_CONTINUE;
}

/* dkimv_new - one DKIM_LIB for the process, its DNS through r */
struct dkimv *
dkimv_new(struct resolver *r, char *err, size_t errlen)
{
	struct dkimv	*dv = xcalloc(1, sizeof(*dv));
	unsigned int	 flags = DKIM_LIBFLAGS_BADSIGHANDLES;

	dv->r = r;
	if ((dv->lib = dkim_init(NULL, NULL)) == NULL) {
		snprintf(err, errlen, "libopendkim: cannot initialize");
		free(dv);
		return NULL;
	}
	if (dkim_options(dv->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_set_prescreen(dv->lib, prescreen) != DKIM_STAT_OK) {
		snprintf(err, errlen, "libopendkim: cannot set options");
		dkimv_free(dv);
		return NULL;
	}
	dkim_dns_set_init(dv->lib, NULL);
	dkim_dns_set_close(dv->lib, NULL);
	dkim_dns_set_query_start(dv->lib, dns_start);
	dkim_dns_set_query_waitreply(dv->lib, dns_waitreply);
	dkim_dns_set_query_cancel(dv->lib, dns_cancel);
	(void)dkim_dns_set_query_service(dv->lib, dv);
	return dv;
}

/* dkimv_free - close the library (the resolver stays the caller's) */
void
dkimv_free(struct dkimv *dv)
{
	if (dv == NULL)
		return;
	if (dv->lib != NULL)
		dkim_close(dv->lib);
	free(dv);
}

/* dkimv_msg_new - a verification handle; NULL when libopendkim refuses */
struct dkimv_msg *
dkimv_msg_new(struct dkimv *dv, const char *jobid)
{
	struct dkimv_msg *vm = xcalloc(1, sizeof(*vm));
	DKIM_STAT st = DKIM_STAT_OK;

	vm->dv = dv;
	snprintf(vm->jobid, sizeof(vm->jobid), "%s",
	    jobid != NULL && *jobid != '\0' ? jobid : "(unknown-jobid)");
	vm->dkim = dkim_verify(dv->lib, (const unsigned char *)vm->jobid,
	    NULL, &st);
	if (vm->dkim == NULL) {
		log_debug("%s: libopendkim: %s", vm->jobid,
		    dkim_getresultstr(st));
		free(vm);
		return NULL;
	}
	(void)dkim_set_user_context(vm->dkim, vm);
	return vm;
}

/* dkimv_msg_setid - the job id our log lines name */
void
dkimv_msg_setid(struct dkimv_msg *vm, const char *jobid)
{
	if (vm != NULL && jobid != NULL && *jobid != '\0')
		snprintf(vm->jobid, sizeof(vm->jobid), "%s", jobid);
}

/* dkimv_msg_free - release the handle */
void
dkimv_msg_free(struct dkimv_msg *vm)
{
	if (vm == NULL)
		return;
	if (vm->dkim != NULL)
		(void)dkim_free(vm->dkim);
	while (vm->nbadsig > 0)
		free(vm->badsig[--vm->nbadsig].b);
	free(vm->buf);
	free(vm);
}

/*
 * crlf - p[0..len) with every bare LF made CRLF into vm->buf; *cr
 * carries "the previous octet was CR" across calls.  Returns the length.
 */
static size_t
crlf(struct dkimv_msg *vm, const unsigned char *p, size_t len, int *cr)
{
	size_t i, n = 0;

	if (vm->bufsize < 2 * len + 1) {
		free(vm->buf);
		vm->bufsize = 2 * len + 1;
		vm->buf = xmalloc(vm->bufsize);
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && !*cr)
			vm->buf[n++] = '\r';
		vm->buf[n++] = p[i];
		*cr = p[i] == '\r';
	}
	return n;
}

/* give_up - log why a message gets no results from us */
static void
give_up(struct dkimv_msg *vm, const char *what, DKIM_STAT st)
{
	const char *why = dkim_geterror(vm->dkim);

	log_debug("%s: DKIM %s: %s%s%s", vm->jobid, what,
	    dkim_getresultstr(st), why != NULL ? ": " : "",
	    why != NULL ? why : "");
	vm->dead = 1;
}

/*
 * is_signature - name is "DKIM-Signature" as libopendkim matches it:
 * any case, trailing whitespace ignored
 */
static int
is_signature(const char *name, size_t nlen)
{
	static const char sig[] = "DKIM-Signature";

	while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
		nlen--;
	return nlen == sizeof(sig) - 1 && strncasecmp(name, sig, nlen) == 0;
}

/* note_badsig - a DKIM-Signature value with an invalid tag-list, noted */
static void
note_badsig(struct dkimv_msg *vm, const char *value, size_t vlen)
{
	char why[48], *b;

	if (vm->nbadsig == DKIMV_MAXSIGS ||
	    dkimtags_check(value, vlen, DKIMTAGS_SIG, why, sizeof(why)) == 0 ||
	    (b = dkimtags_get(value, vlen, "b")) == NULL)
		return;		/* no b=: libopendkim refuses it itself */
	vm->badsig[vm->nbadsig].b = b;
	snprintf(vm->badsig[vm->nbadsig++].why, sizeof(vm->badsig[0].why),
	    "%s", why);
}

/* dkimv_msg_header - "name:value" to libopendkim */
void
dkimv_msg_header(struct dkimv_msg *vm, const char *name, const char *value,
    size_t vlen)
{
	size_t	 nlen = strlen(name), n;
	unsigned char *field;
	int	 cr = 0;
	DKIM_STAT st;

	if (vm == NULL || vm->dead || vm->eoh)
		return;
	if (is_signature(name, nlen))
		note_badsig(vm, value, vlen);
	n = crlf(vm, (const unsigned char *)value, vlen, &cr);
	field = xmalloc(nlen + 1 + n + 1);
	memcpy(field, name, nlen);
	field[nlen] = ':';
	memcpy(field + nlen + 1, vm->buf, n);
	field[nlen + 1 + n] = '\0';
	st = dkim_header(vm->dkim, field, nlen + 1 + n);
	free(field);
	/* a malformed field (RFC 5322) is skipped; the rest still counts */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		give_up(vm, "header", st);
}

/*
 * pad - one header field no h= can name, before the end of the header.
 * libopendkim's header selection (dkim_canon_selecthdrs, 2.11.0)
 * writes one pointer past an array of one entry per header field when
 * a signature's h= has consumed every field and names one more: a
 * message whose h= lists all its fields, DKIM-Signature included, and
 * one name besides.  That is a heap overflow any sender can cause;
 * glibc aborts the whole daemon on it ("free(): invalid next size").
 * With this field there is always one field left unconsumed, so the
 * index stays inside the array.  No h= can consume it: libopendkim
 * removes all whitespace from tag values, so no name in h= contains a
 * space, and the field is only ever compared by name (it is hashed
 * only when a signature has no h=, and those are rejected before).
 */
#define PAD_FIELD	"DMARCD NEVER SIGNED:"

/* dkimv_msg_eoh - end of header; 0 when there is nothing to verify */
int
dkimv_msg_eoh(struct dkimv_msg *vm)
{
	unsigned char pad[] = PAD_FIELD;	/* dkim_header takes it non-const */
	DKIM_STAT st;

	if (vm == NULL || vm->dead || vm->eoh)
		return vm != NULL && vm->signed_;
	vm->eoh = 1;
	st = dkim_header(vm->dkim, pad, sizeof(pad) - 1);
	if (st != DKIM_STAT_OK) {
		give_up(vm, "header", st);
		return 0;
	}
	verifying = vm;
	st = dkim_eoh(vm->dkim);
	verifying = NULL;
	if (st == DKIM_STAT_NOSIG) {
		vm->dead = 1;
		return 0;
	}
	if (st != DKIM_STAT_OK) {
		give_up(vm, "end of header", st);
		return 0;
	}
	vm->signed_ = 1;
	return 1;
}

/* dkimv_msg_body - one body chunk */
void
dkimv_msg_body(struct dkimv_msg *vm, const unsigned char *p, size_t len)
{
	DKIM_STAT st;
	size_t n;

	if (vm == NULL || vm->dead || len == 0)
		return;
	if (!vm->eoh && !dkimv_msg_eoh(vm))
		return;
	/* crlf may replace vm->buf: read it only after the call (as one
	   argument list the order was the compiler's, and clang read the
	   freed buffer) */
	n = crlf(vm, p, len, &vm->cr);
	st = dkim_body(vm->dkim, vm->buf, n);
	if (st != DKIM_STAT_OK)
		give_up(vm, "body", st);
}

/* sig_ares - one signature's RFC 8601 result (see the file header) */
static enum dmarc_ares
sig_ares(DKIM_SIGINFO *sig)
{
	unsigned int flags = dkim_sig_getflags(sig);

	if ((flags & DKIM_SIGFLAG_PASSED) != 0 &&
	    dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH)
		return DMARC_ARES_PASS;
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
		if ((flags & DKIM_SIGFLAG_PROCESSED) == 0)
			return DMARC_ARES_NEUTRAL;
		return DMARC_ARES_FAIL;		/* body hash mismatch */
	case DKIM_SIGERROR_BADSIG:
	case DKIM_SIGERROR_CORRUPT_B:
		return DMARC_ARES_FAIL;
	case DKIM_SIGERROR_KEYFAIL:
		return DMARC_ARES_TEMPERROR;
	case DKIM_SIGERROR_KEYTOOSMALL:
		return DMARC_ARES_POLICY;
	case DKIM_SIGERROR_NOKEY:
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_MULTIREPLY:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYREVOKED:
	case DKIM_SIGERROR_KEYDECODE:
		return DMARC_ARES_PERMERROR;
	default:
		return DMARC_ARES_NEUTRAL;	/* signature syntax, x=, t= */
	}
}

/* b_value - b= without folding whitespace into out (NUL-terminated) */
static void
b_value(DKIM_SIGINFO *sig, char *out, size_t size)
{
	const unsigned char *b = dkim_sig_gettagvalue(sig, false,
	    (unsigned char *)"b");
	size_t n = 0;

	out[0] = '\0';
	if (b == NULL)
		return;
	for (; *b != '\0' && n + 1 < size; b++)
		if (*b > ' ' && *b < 0x7f)
			out[n++] = (char)*b;
	out[n] = '\0';
}

/*
 * set_bprefixes - header.b of each result: BPREFIX_MIN characters,
 * longer while another signature shares the prefix (RFC 6008 2)
 */
static void
set_bprefixes(struct dmarc_dkim_result *out, char (*b)[128], size_t n)
{
	size_t i, j, len, max = sizeof(out[0].bprefix) - 1;

	for (i = 0; i < n; i++) {
		for (len = BPREFIX_MIN; len < max; len++) {
			for (j = 0; j < n; j++)
				if (j != i && strncmp(b[i], b[j], len) == 0)
					break;
			if (j == n)
				break;
		}
		snprintf(out[i].bprefix, sizeof(out[i].bprefix), "%.*s",
		    (int)len, b[i]);
	}
}

/*
 * key_check - a verified (or failed) signature whose key record was an
 * invalid tag-list, or whose key type does not fit its a=: permerror in
 * *res and the reason; NULL when the key is acceptable
 */
static const char *
key_check(const struct dkimv_msg *vm, DKIM_SIGINFO *sig,
    enum dmarc_ares *res)
{
	const unsigned char *d = dkim_sig_getdomain(sig);
	const unsigned char *s = dkim_sig_getselector(sig), *k;
	char name[256];
	dkim_alg_t alg;
	size_t i;

	if (*res != DMARC_ARES_PASS && *res != DMARC_ARES_FAIL &&
	    *res != DMARC_ARES_POLICY)
		return NULL;	/* no key, or it was refused already */
	snprintf(name, sizeof(name), "%s._domainkey.%s",
	    s != NULL ? (const char *)s : "", (const char *)d);
	for (i = 0; i < vm->nbadkey; i++)
		if (strcasecmp(vm->badkey[i].name, name) == 0) {
			*res = DMARC_ARES_PERMERROR;
			return vm->badkey[i].why;
		}
	k = dkim_sig_gettagvalue(sig, true, (unsigned char *)"k");
	if (k == NULL || dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK)
		return NULL;
	if ((alg == DKIM_SIGN_ED25519SHA256) !=
	    (strcasecmp((const char *)k, "ed25519") == 0)) {
		*res = DMARC_ARES_PERMERROR;
		return "key type k= does not fit the signature's a=";
	}
	return NULL;
}

/* dkimv_msg_eom - verify and collect (see dkim.h) */
size_t
dkimv_msg_eom(struct dkimv_msg *vm, struct dmarc_dkim_result *out, size_t max)
{
	DKIM_SIGINFO	**sigs = NULL;
	DKIM_STAT	 st;
	char		(*b)[128];
	const unsigned char *d, *s;
	const char	*why, *bad;
	int		 i, nsigs = 0;
	size_t		 n = 0;

	if (vm == NULL || (!vm->eoh && !dkimv_msg_eoh(vm)) || vm->dead)
		return 0;
	vm->dead = 1;
	verifying = vm;
	st = dkim_eom(vm->dkim, NULL);
	verifying = NULL;
	if (dkim_getsiglist(vm->dkim, &sigs, &nsigs) != DKIM_STAT_OK ||
	    nsigs <= 0) {
		give_up(vm, "end of message", st);
		return 0;
	}
	b = xcalloc((size_t)nsigs, sizeof(*b));
	for (i = 0; i < nsigs && n < max; i++) {
		bad = badsig(vm, sigs[i]);
		if ((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE) != 0 ||
		    (d = dkim_sig_getdomain(sigs[i])) == NULL ||
		    dmarc_domain_normalize((const char *)d,
		    strlen((const char *)d), out[n].domain,
		    sizeof(out[n].domain)) != DMARC_OK)
			continue;	/* no d=: nothing to align or report */
		s = dkim_sig_getselector(sigs[i]);
		snprintf(out[n].selector, sizeof(out[n].selector), "%s",
		    s != NULL ? (const char *)s : "");
		out[n].result = bad != NULL ? DMARC_ARES_NEUTRAL :
		    sig_ares(sigs[i]);
		if (bad == NULL)
			bad = key_check(vm, sigs[i], &out[n].result);
		out[n].source = DMARC_SRC_SELF;
		b_value(sigs[i], b[n], sizeof(b[n]));
		why = bad != NULL ? bad :
		    dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i]));
		log_debug("%s: DKIM d=%s s=%s: %s (%s)", vm->jobid,
		    out[n].domain, out[n].selector,
		    dmarc_ares_name(out[n].result), why != NULL ? why : "-");
		n++;
	}
	set_bprefixes(out, b, n);
	free(b);
	return n;
}
