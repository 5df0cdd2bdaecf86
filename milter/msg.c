/*
 * msg.c -- the message container the callbacks and test mode fill
 *
 * DESCRIPTION
 *	Holds connection data, the envelope and the header fields of one
 *	message.  Header storage is bounded (DMARCD_MAXHDRS fields,
 *	DMARCD_MAXHDRBYTES bytes): a message beyond that is still evaluated
 *	on what was kept, and hdr_overflow says so.  A field is one
 *	allocation (name, NUL, value, NUL: hdrs[i].name owns it), and the
 *	field array grows by doubling and is kept for the connection's next
 *	message, as are msg_evaluate()'s working structures; msg_free()
 *	releases them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "dmarcd.h"
#include "xmalloc.h"

/* msg_init - empty container */
void
msg_init(struct msg *m)
{
	memset(m, 0, sizeof(*m));
}

/* msg_reset - drop per-message data, keep the connection's */
void
msg_reset(struct msg *m)
{
	size_t i;

	free(m->envfrom);
	m->envfrom = NULL;
	m->envfrom_domain[0] = '\0';
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	m->rcpts = NULL;
	m->nrcpts = 0;
	for (i = 0; i < m->nhdrs; i++)
		free(m->hdrs[i].name);	/* the value is in the same block */
	m->nhdrs = 0;
	m->hdrbytes = 0;
	m->hdr_overflow = 0;
	free(m->auth_user);
	m->auth_user = NULL;
	dkimv_msg_free(m->dkv);
	m->dkv = NULL;
	free(m->dkim_own);
	m->dkim_own = NULL;
	m->ndkim_own = 0;
	free(m->body);
	m->body = NULL;
	m->bodylen = 0;
	m->body_cut = 0;
}

/* msg_free - release everything */
void
msg_free(struct msg *m)
{
	msg_reset(m);
	free(m->hdrs);
	if (m->work != NULL)
		dmarc_authinfo_clear(&m->work->ai);
	free(m->work);
	free(m->mta_host);
	free(m->jobid);
	memset(m, 0, sizeof(*m));
}

/* msg_set_str - replace a string field with a copy (NULL clears) */
void
msg_set_str(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* strip_brackets - "<a@b>" -> "a@b", whitespace trimmed, into a new string */
static char *
strip_brackets(const char *arg)
{
	size_t len;

	while (*arg == ' ' || *arg == '\t')
		arg++;
	len = strlen(arg);
	while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
		len--;
	if (len >= 2 && arg[0] == '<') {
		const char *close = memchr(arg, '>', len);

		if (close != NULL)
			return xstrndup(arg + 1, (size_t)(close - arg - 1));
	}
	return xstrndup(arg, len);
}

/* msg_envfrom - envelope sender and its normalized domain */
void
msg_envfrom(struct msg *m, const char *arg)
{
	const char *at;

	free(m->envfrom);
	m->envfrom = strip_brackets(arg != NULL ? arg : "");
	m->envfrom_domain[0] = '\0';
	if ((at = strrchr(m->envfrom, '@')) != NULL &&
	    dmarc_domain_normalize(at + 1, strlen(at + 1), m->envfrom_domain,
	    sizeof(m->envfrom_domain)) != DMARC_OK)
		m->envfrom_domain[0] = '\0';
}

/* msg_add_rcpt - one envelope recipient */
void
msg_add_rcpt(struct msg *m, const char *arg)
{
	if (m->nrcpts >= 1000)
		return;
	m->rcpts = xreallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	m->rcpts[m->nrcpts++] = strip_brackets(arg != NULL ? arg : "");
}

/* msg_add_header - keep one header field, within the bounds */
void
msg_add_header(struct msg *m, const char *name, const char *value, size_t vlen)
{
	size_t nlen = strlen(name);
	struct hdr *h;
	char *p;

	if (m->nhdrs >= DMARCD_MAXHDRS ||
	    m->hdrbytes + nlen + vlen > DMARCD_MAXHDRBYTES) {
		m->hdr_overflow = 1;
		return;
	}
	if (m->nhdrs == m->hdrcap) {
		m->hdrcap = m->hdrcap == 0 ? 32 : 2 * m->hdrcap;
		m->hdrs = xreallocarray(m->hdrs, m->hdrcap, sizeof(*m->hdrs));
	}
	p = xmalloc(nlen + vlen + 2);	/* bounded by DMARCD_MAXHDRBYTES */
	memcpy(p, name, nlen);
	p[nlen] = '\0';
	memcpy(p + nlen + 1, value, vlen);
	p[nlen + 1 + vlen] = '\0';
	h = &m->hdrs[m->nhdrs++];
	h->name = p;
	h->value = p + nlen + 1;
	h->vlen = vlen;
	m->hdrbytes += nlen + vlen;
}

/* msg_add_body - keep a body chunk for a failure report, bounded */
void
msg_add_body(struct msg *m, const unsigned char *p, size_t len)
{
	size_t n = len;

	if (m->bodylen + n > DMARCD_MAXBODY) {
		n = DMARCD_MAXBODY - m->bodylen;
		m->body_cut = 1;
	}
	if (n == 0)
		return;
	m->body = xrealloc(m->body, m->bodylen + n + 1);
	memcpy(m->body + m->bodylen, p, n);
	m->bodylen += n;
	m->body[m->bodylen] = '\0';
}

/* msg_set_addr - client IP text from the MTA's sockaddr */
void
msg_set_addr(struct msg *m, const struct sockaddr *sa)
{
	m->ip[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, m->ip, sizeof(m->ip));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], m->ip,
			    sizeof(m->ip));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, m->ip,
			    sizeof(m->ip));
	}
}

/* msg_dkim_start - a verifier for this message (dv NULL: none) */
void
msg_dkim_start(struct msg *m, struct dkimv *dv)
{
	dkimv_msg_free(m->dkv);
	m->dkv = dv != NULL ? dkimv_msg_new(dv, m->jobid) : NULL;
}

/* msg_dkim_header - one field to the verifier */
void
msg_dkim_header(struct msg *m, const char *name, const char *value,
    size_t vlen)
{
	if (m->dkv != NULL)
		dkimv_msg_header(m->dkv, name, value, vlen);
}

/* msg_dkim_eoh - end of header for the verifier */
int
msg_dkim_eoh(struct msg *m)
{
	return m->dkv != NULL && dkimv_msg_eoh(m->dkv);
}

/* msg_dkim_body - one body chunk to the verifier */
void
msg_dkim_body(struct msg *m, const unsigned char *p, size_t len)
{
	if (m->dkv != NULL)
		dkimv_msg_body(m->dkv, p, len);
}

/* msg_dkim_finish - verify; results into m->dkim_own */
void
msg_dkim_finish(struct msg *m)
{
	struct dmarc_dkim_result res[DKIMV_MAXSIGS];

	if (m->dkv == NULL)
		return;
	dkimv_msg_setid(m->dkv, m->jobid);	/* known by now (Postfix) */
	m->ndkim_own = dkimv_msg_eom(m->dkv, res, DKIMV_MAXSIGS);
	dkimv_msg_free(m->dkv);
	m->dkv = NULL;
	free(m->dkim_own);
	m->dkim_own = NULL;
	if (m->ndkim_own > 0) {
		m->dkim_own = xreallocarray(NULL, m->ndkim_own,
		    sizeof(*m->dkim_own));
		memcpy(m->dkim_own, res, m->ndkim_own * sizeof(*res));
	}
}

/* out_action_name - word for logs and test mode */
const char *
out_action_name(enum out_action a)
{
	switch (a) {
	case OUT_ACCEPT:	return "accept";
	case OUT_REJECT:	return "reject";
	case OUT_TEMPFAIL:	return "tempfail";
	case OUT_QUARANTINE:	return "quarantine";
	case OUT_DISCARD:	return "discard";
	default:		return "continue";
	}
}

/* outcome_free - release an outcome */
void
outcome_free(struct outcome *out)
{
	size_t i;

	free(out->reply);
	free(out->quarantine_reason);
	for (i = 0; i < out->nhdrs; i++) {
		free(out->hdr_name[i]);
		free(out->hdr_value[i]);
	}
	free(out->add_rcpt);
	free(out->history);
	free(out->author);
	free(out->pdomain);
	ruf_jobs_free(out->ruf);
	memset(out, 0, sizeof(*out));
}
