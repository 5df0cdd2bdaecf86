/*
 * util.c -- names of libdmarc's codes, and the DNS answer container
 *
 * DESCRIPTION
 *	Maps status, result, policy, disposition, discovery and DNS codes to
 *	the words RFC 8601, RFC 9989 and RFC 9990 use, and parses
 *	authentication result keywords (with the legacy aliases of R-02).
 *	struct dmarc_dns_txt is filled by resolvers and freed here.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* dmarc_strerror - text for an enum dmarc_status */
const char *
dmarc_strerror(int status)
{
	switch (status) {
	case DMARC_OK:		return "success";
	case DMARC_ENOMEM:	return "out of memory";
	case DMARC_ESYNTAX:	return "syntax error";
	case DMARC_ENOTDMARC:	return "not a DMARC record";
	case DMARC_ETOOBIG:	return "input too large";
	case DMARC_EINVAL:	return "invalid argument";
	case DMARC_ENOSPACE:	return "output buffer too small";
	case DMARC_EDOMAIN:	return "invalid domain name";
	case DMARC_ENOTFOUND:	return "not found";
	case DMARC_ETRUNC:	return "truncated input";
	default:		return "unknown error";
	}
}

static const struct {
	const char	*name;
	enum dmarc_ares	 code;
} ares_words[] = {
	{ "pass", DMARC_ARES_PASS },
	{ "softfail", DMARC_ARES_SOFTFAIL },
	{ "neutral", DMARC_ARES_NEUTRAL },
	{ "temperror", DMARC_ARES_TEMPERROR },
	{ "permerror", DMARC_ARES_PERMERROR },
	{ "none", DMARC_ARES_NONE },
	{ "fail", DMARC_ARES_FAIL },
	{ "policy", DMARC_ARES_POLICY },
	{ "nxdomain", DMARC_ARES_NXDOMAIN },
	{ "signed", DMARC_ARES_SIGNED },
	{ "discard", DMARC_ARES_DISCARD },
	/* legacy aliases (RFC 7489 XSD comments, RFC 4408) */
	{ "hardfail", DMARC_ARES_FAIL },
	{ "error", DMARC_ARES_PERMERROR },
	{ "tempfail", DMARC_ARES_TEMPERROR },
	{ "unknown", DMARC_ARES_TEMPERROR },
};

/* dmarc_ares_parse - keyword to code; DMARC_ARES_UNKNOWN when unknown */
enum dmarc_ares
dmarc_ares_parse(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(ares_words) / sizeof(ares_words[0]); i++)
		if (dm_strncaseeq(p, len, ares_words[i].name))
			return ares_words[i].code;
	return DMARC_ARES_UNKNOWN;
}

/* dmarc_ares_name - code to keyword */
const char *
dmarc_ares_name(enum dmarc_ares code)
{
	size_t i;

	for (i = 0; i < sizeof(ares_words) / sizeof(ares_words[0]); i++)
		if (ares_words[i].code == code)
			return ares_words[i].name;
	return "unknown";
}

/* dmarc_policy_name - policy keyword */
const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_P_QUARANTINE:	return "quarantine";
	case DMARC_P_REJECT:		return "reject";
	default:			return "none";
	}
}

/* dmarc_result_name - dmarc= result keyword (RFC 9989 9.2) */
const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_RESULT_PASS:		return "pass";
	case DMARC_RESULT_FAIL:		return "fail";
	case DMARC_RESULT_TEMPERROR:	return "temperror";
	case DMARC_RESULT_PERMERROR:	return "permerror";
	default:			return "none";
	}
}

/* dmarc_disposition_name - RFC 9990 disposition keyword */
const char *
dmarc_disposition_name(enum dmarc_disposition d)
{
	switch (d) {
	case DMARC_DIS_PASS:		return "pass";
	case DMARC_DIS_QUARANTINE:	return "quarantine";
	case DMARC_DIS_REJECT:		return "reject";
	default:			return "none";
	}
}

/* dmarc_discovery_name - RFC 9990 discovery_method keyword */
const char *
dmarc_discovery_name(enum dmarc_discovery d)
{
	return d == DMARC_DISCOVERY_TREEWALK ? "treewalk" : "psl";
}

/* dmarc_dns_name - DNS outcome for logs */
const char *
dmarc_dns_name(enum dmarc_dns d)
{
	switch (d) {
	case DMARC_DNS_DATA:		return "data";
	case DMARC_DNS_NODATA:		return "nodata";
	case DMARC_DNS_NXDOMAIN:	return "nxdomain";
	case DMARC_DNS_SERVFAIL:	return "servfail";
	case DMARC_DNS_TIMEOUT:		return "timeout";
	default:			return "error";
	}
}

/* dmarc_dns_txt_add - append a copy of one RR */
int
dmarc_dns_txt_add(struct dmarc_dns_txt *txt, const char *p, size_t len)
{
	char **rr;
	size_t *ln;
	char *copy;

	if ((copy = dm_strndup(p, len)) == NULL)
		return DMARC_ENOMEM;
	if ((rr = realloc(txt->rr, (txt->n + 1) * sizeof(*rr))) == NULL) {
		free(copy);
		return DMARC_ENOMEM;
	}
	txt->rr = rr;
	if ((ln = realloc(txt->len, (txt->n + 1) * sizeof(*ln))) == NULL) {
		free(copy);
		return DMARC_ENOMEM;
	}
	txt->len = ln;
	txt->rr[txt->n] = copy;
	txt->len[txt->n] = len;
	txt->n++;
	return DMARC_OK;
}

/* dmarc_dns_txt_clear - free an answer and zero it */
void
dmarc_dns_txt_clear(struct dmarc_dns_txt *txt)
{
	size_t i;

	if (txt == NULL)
		return;
	for (i = 0; i < txt->n; i++)
		free(txt->rr[i]);
	free(txt->rr);
	free(txt->len);
	memset(txt, 0, sizeof(*txt));
}
