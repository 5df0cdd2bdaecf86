/*
 * callbacks.c -- the libmilter callbacks: gather facts, act on the outcome
 *
 * DESCRIPTION
 *	Each callback is glue: negotiate (or connect, with an MTA that does
 *	not negotiate) pins the configuration; connect applies IgnoreHosts;
 *	helo, envfrom, envrcpt and header fill struct msg (a From field
 *	also starts its policy query at once: policy_prefetch()); eom calls
 *	msg_evaluate() and maps the outcome to libmilter calls (headers
 *	inserted at index 0, RFC 8601 section 4; reply codes;
 *	smfi_quarantine).  close copes with a NULL private pointer.
 *
 *	DKIMVerify: only then is the body asked for (no SMFIP_NOBODY), and
 *	header values with their leading space (SMFIP_HDR_LEADSPC) when the
 *	MTA offers it, as simple canonicalization needs the field verbatim;
 *	otherwise "name: value" is rebuilt with one space, as OpenDKIM does.
 *	Fields we add then carry their own leading space, too.
 *	The choice is made for the configuration pinned at negotiation, so a
 *	reload cannot leave a verifier without its body.  An unsigned
 *	message's body is skipped (SMFIS_SKIP) when the MTA allows it.
 *	FailureReportsBody (with FailureReports) also asks for the body and
 *	keeps its first DMARCD_MAXBODY bytes for the report; only then is
 *	the rest skipped.
 *
 *	The end-of-header event is declined (SMFIP_NOEOH): nothing waits
 *	for it (the verifier's end of header comes with the first body chunk
 *	or the end of the message), and each one cost a round trip.
 *
 *	RCPT and DATA callbacks are registered although they only continue:
 *	without them Postfix sends those events' macros with no command, the
 *	filter owes no reply, and on TCP every message waits for two
 *	Nagle/delayed-ACK stalls (~88 ms with OpenDMARC).  listen_nodelay()
 *	sets TCP_NODELAY on the listening socket for the same reason.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Events whose reply the MTA need not wait for (header fields, RCPT):
 * their callbacks only collect and continue, and libmilter then sends
 * no reply.  The MTA sends them back to back and flushes once, at the
 * next command that wants a reply: a round trip saved per header field
 * (tests/bench/RESULTS.md).  DATA is not among them: Postfix hands the
 * milter stream from smtpd to cleanup after DATA, and that flush, owing
 * no reply, would wait on Nagle and our delayed ACK (see above).
 */
#define NOREPLY_EVENTS	(SMFIP_NR_HDR | SMFIP_NR_RCPT)

struct conn {
	struct dmarcd_cfg	*cfg;
	struct msg		 msg;
	int			 dkim;		/* body negotiated: verify */
	int			 keepbody;	/* FailureReportsBody */
	int			 leadspc;	/* values keep leading space */
	int			 skip;		/* MTA understands SMFIS_SKIP */
	unsigned long		 noreply;	/* NOREPLY_EVENTS negotiated */
};

/*
 * next - go on after an event; SMFIS_NOREPLY where the reply was
 * negotiated away (libmilter sends none for SMFIS_CONTINUE either, but
 * logs an error to syslog each time)
 */
static sfsistat
next(const struct conn *cn, unsigned long nrflag)
{
	return cn != NULL && (cn->noreply & nrflag) ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE;
}

/* conn_new - pin the configuration for a new connection */
static struct conn *
conn_new(SMFICTX *ctx)
{
	struct conn *cn = xcalloc(1, sizeof(*cn));

	cn->cfg = cfg_acquire();
	msg_init(&cn->msg);
	smfi_setpriv(ctx, cn);
	return cn;
}

/* macro - a macro's value or NULL */
static const char *
macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return (v != NULL && *v != '\0') ? v : NULL;
}

/* take_macros - job id and host name as they become known */
static void
take_macros(SMFICTX *ctx, struct msg *m)
{
	const char *v;

	if ((v = macro(ctx, "i")) != NULL)
		msg_set_str(&m->jobid, v);
	if (m->mta_host == NULL && (v = macro(ctx, "j")) != NULL)
		msg_set_str(&m->mta_host, v);
}

/* cb_negotiate - the actions we need; keep RCPT and DATA events */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_ADDRCPT |
	    SMFIF_CHGHDRS;
	struct conn *cn;

	if ((f0 & SMFIF_ADDHDRS) == 0) {
		log_warnx("MTA does not allow adding headers; refusing");
		return SMFIS_REJECT;
	}
	if ((cn = smfi_getpriv(ctx)) == NULL)
		cn = conn_new(ctx);
	*pf0 = f0 & want;
	*pf1 = f1 & (SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NOBODY |
	    NOREPLY_EVENTS);
	if (cn->cfg->dkim != NULL) {
		*pf1 = f1 & (SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_HDR_LEADSPC |
		    SMFIP_SKIP | NOREPLY_EVENTS);
		cn->dkim = 1;
		cn->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
		cn->skip = (f1 & SMFIP_SKIP) != 0;
	}
	if (ruf_wants_body(cn->cfg)) {
		*pf1 = (*pf1 & ~(unsigned long)SMFIP_NOBODY) | (f1 & SMFIP_SKIP);
		cn->keepbody = 1;
		cn->skip = (f1 & SMFIP_SKIP) != 0;
	}
	cn->noreply = *pf1 & NOREPLY_EVENTS;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* cb_connect - pin the configuration; IgnoreHosts */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn == NULL) {		/* no negotiation: every event comes */
		cn = conn_new(ctx);
		cn->dkim = cn->cfg->dkim != NULL;
		cn->keepbody = ruf_wants_body(cn->cfg);
	}
	snprintf(cn->msg.hostname, sizeof(cn->msg.hostname), "%s",
	    host != NULL ? host : "");
	msg_set_addr(&cn->msg, (struct sockaddr *)sa);
	take_macros(ctx, &cn->msg);
	if (ignorehosts_match(cn->cfg->ignore, cn->msg.ip, cn->msg.hostname)) {
		log_debug("connection from %s [%s] ignored (IgnoreHosts)",
		    cn->msg.hostname, cn->msg.ip);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* cb_helo - remember the HELO name */
static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn != NULL && helo != NULL)
		snprintf(cn->msg.helo, sizeof(cn->msg.helo), "%s", helo);
	return SMFIS_CONTINUE;
}

/* cb_envfrom - a new message; IgnoreAuthenticatedClients */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *cn = smfi_getpriv(ctx);
	const char *auth;

	if (cn == NULL)
		return SMFIS_ACCEPT;
	msg_reset(&cn->msg);
	msg_envfrom(&cn->msg, argv != NULL ? argv[0] : "");
	take_macros(ctx, &cn->msg);
	if ((auth = macro(ctx, "{auth_authen}")) != NULL) {
		msg_set_str(&cn->msg.auth_user, auth);
		if (cfg_bool(cn->cfg, C_IGNOREAUTHENTICATEDCLIENTS))
			return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* cb_envrcpt - keep recipients (IgnoreMailTo) */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn != NULL && argv != NULL && argv[0] != NULL)
		msg_add_rcpt(&cn->msg, argv[0]);
	return next(cn, SMFIP_NR_RCPT);
}

/* cb_data - registered so the MTA expects a reply (see file header) */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/* cb_header - keep the field; the verifier gets it verbatim */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *cn = smfi_getpriv(ctx);
	const char *v = value;
	char *sp;
	size_t len;

	if (cn == NULL || name == NULL || value == NULL)
		return next(cn, SMFIP_NR_HDR);
	len = strlen(value);
	if (cn->dkim && cn->msg.nhdrs == 0 && cn->msg.dkv == NULL)
		msg_dkim_start(&cn->msg, cn->cfg->dkim);
	if (cn->msg.dkv != NULL && cn->leadspc)
		msg_dkim_header(&cn->msg, name, value, len);
	else if (cn->msg.dkv != NULL) {
		sp = xmalloc(len + 2);
		sp[0] = ' ';
		memcpy(sp + 1, value, len + 1);
		msg_dkim_header(&cn->msg, name, sp, len + 1);
		free(sp);
	}
	if (cn->leadspc)
		while (*v == ' ' || *v == '\t')
			v++;
	msg_add_header(&cn->msg, name, v, len - (size_t)(v - value));
	if (strcasecmp(name, "From") == 0)
		policy_prefetch(cn->cfg, v, len - (size_t)(v - value));
	return next(cn, SMFIP_NR_HDR);
}

/* cb_body - a chunk for the verifier and the report; skip when done */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn == NULL)
		return SMFIS_CONTINUE;
	if (cn->keepbody)
		msg_add_body(&cn->msg, p, len);
	if (cn->msg.dkv == NULL || !msg_dkim_eoh(&cn->msg))
		return cn->skip && (!cn->keepbody || cn->msg.body_cut) ?
		    SMFIS_SKIP : SMFIS_CONTINUE;
	msg_dkim_body(&cn->msg, p, len);
	return SMFIS_CONTINUE;
}

/* escape_pct - libmilter reply text: '%' must be doubled */
static char *
escape_pct(const char *s)
{
	size_t i, n = 0, len = strlen(s);
	char *o = xmalloc(2 * len + 1);

	for (i = 0; i < len; i++) {
		if (s[i] == '%')
			o[n++] = '%';
		o[n++] = s[i];
	}
	o[n] = '\0';
	return o;
}

/*
 * insheader - insert a field at the top; with SMFIP_HDR_LEADSPC the MTA
 * adds no space after the colon, so the value brings its own
 */
static void
insheader(SMFICTX *ctx, int leadspc, char *name, const char *value)
{
	size_t len = strlen(value);
	char *v = xmalloc(len + 2);

	v[0] = ' ';
	memcpy(v + 1, value, len + 1);
	if (smfi_insheader(ctx, 0, name, leadspc ? v : v + 1) != MI_SUCCESS)
		log_warnx("cannot add %s header", name);
	free(v);
}

/* apply - the outcome through libmilter; returns the sfsistat */
static sfsistat
apply(SMFICTX *ctx, int leadspc, struct outcome *out)
{
	size_t i;

	/* spoofed A-R fields first, last one first: indices stay valid */
	for (i = out->nardel; i > 0; i--)
		if (smfi_chgheader(ctx, "Authentication-Results",
		    (int)out->ardel[i - 1], NULL) != MI_SUCCESS)
			log_warnx("cannot delete a spoofed "
			    "Authentication-Results field (MTA refused)");
	for (i = out->nhdrs; i > 0; i--)
		insheader(ctx, leadspc, out->hdr_name[i - 1],
		    out->hdr_value[i - 1]);
	if (out->add_rcpt != NULL && smfi_addrcpt(ctx, out->add_rcpt) !=
	    MI_SUCCESS)
		log_warnx("cannot add recipient %s", out->add_rcpt);
	if (out->reply != NULL && out->rcode[0] != '\0') {
		char *text = escape_pct(out->reply);

		(void)smfi_setreply(ctx, out->rcode, out->xcode, text);
		free(text);
	}
	switch (out->action) {
	case OUT_REJECT:	return SMFIS_REJECT;
	case OUT_TEMPFAIL:	return SMFIS_TEMPFAIL;
	case OUT_DISCARD:	return SMFIS_DISCARD;
	case OUT_ACCEPT:	return SMFIS_ACCEPT;
	case OUT_QUARANTINE:
		if (smfi_quarantine(ctx, out->quarantine_reason) != MI_SUCCESS)
			log_warnx("cannot quarantine (MTA refused)");
		return SMFIS_CONTINUE;
	default:		return SMFIS_CONTINUE;
	}
}

/* cb_eom - evaluate and act */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *cn = smfi_getpriv(ctx);
	struct outcome out;
	sfsistat rc;

	if (cn == NULL)
		return SMFIS_ACCEPT;
	take_macros(ctx, &cn->msg);
	msg_dkim_finish(&cn->msg);
	msg_evaluate(cn->cfg, &cn->msg, &out);
	(void)outcome_commit(cn->cfg, &cn->msg, &out);
	log_info("%s: %s dmarc=%s action=%s",
	    cn->msg.jobid != NULL ? cn->msg.jobid : "(unknown-jobid)",
	    out.author != NULL ? out.author : "-",
	    out.result != NULL ? out.result : "none",
	    out_action_name(out.action));
	rc = apply(ctx, cn->leadspc, &out);
	ruf_submit(cn->cfg, &out);
	outcome_free(&out);
	msg_reset(&cn->msg);
	return rc;
}

/* cb_abort - the message is gone; the connection stays */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn != NULL)
		msg_reset(&cn->msg);
	return SMFIS_CONTINUE;
}

/* cb_close - unpin and free; copes with no private data */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	cfg_release(cn->cfg);
	msg_free(&cn->msg);
	free(cn);
	return SMFIS_CONTINUE;
}

struct smfiDesc dmarcd_filter = {
	.xxfi_name = DMARCD_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_ADDRCPT |
	    SMFIF_CHGHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = NULL,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};

/*
 * listen_nodelay - libmilter opens the listening socket but does not
 * expose it: find our listening TCP sockets among the open descriptors
 * and set TCP_NODELAY (accepted sockets inherit it on Linux).  Returns
 * the number of sockets changed.
 */
int
listen_nodelay(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name), on = 1, acc = 0, type = 0;
		socklen_t len = sizeof(acc);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) != 0 ||
		    !acc)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) == 0)
			n++;
		else
			log_warn("setsockopt TCP_NODELAY");
	}
	closedir(d);
	return n;
}
