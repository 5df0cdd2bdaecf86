/*
 * smtp.c -- send one message through the configured relay (libesmtp)
 *
 * SYNOPSIS
 *	#include "smtp.h"
 *
 * DESCRIPTION
 *	smtp_conf_init() copies the SMTP* keys and reads the first line of
 *	SMTPPasswordFile; smtp_send() makes one libesmtp session per call
 *	(so threads never share one) and maps the outcome onto SMTP_OK,
 *	SMTP_TEMP and SMTP_PERM.
 *
 *	The message is handed to libesmtp with every bare LF turned into
 *	CRLF (libesmtp splits lines at CRLF only).  libesmtp dot-stuffs the
 *	data and applies its header rules to the top-level header block: it
 *	drops Return-Path and Original-Recipient, keeps only the first of
 *	Date, From, Message-Id, To, Cc, Bcc, Reply-To and Sender, and adds
 *	Date, From and Message-Id when missing.  Callers write complete
 *	messages, so nothing is added.
 *
 *	STARTTLS: "opportunistic" uses TLS when offered and accepts any
 *	certificate (encryption against passive eavesdropping only);
 *	"required" ends the session unless STARTTLS succeeds with a
 *	certificate that verifies against the system CAs (OpenSSL's default
 *	paths, so SSL_CERT_FILE and SSL_CERT_DIR apply) and names
 *	SMTPServer.  The TLS context is ours, made once: TLS 1.2 only, see
 *	BUGS (libesmtp's own context would also read CA and client
 *	certificate files from $HOME/.config/libesmtp).  AUTH uses libesmtp's SASL plugins with SMTPUser and
 *	the password; clear-text mechanisms (PLAIN, LOGIN) are allowed only
 *	under SMTPStartTLS required or to a loopback relay.
 *
 *	Connecting and every protocol step (greeting, envelope, data) are
 *	bounded by timeout_s.  SIGPIPE is blocked in the calling thread for the
 *	session and a SIGPIPE it raised is discarded.
 *
 * BUGS
 *	libesmtp 1.1 polls the socket, not OpenSSL's buffer: with TLS 1.3
 *	the server's post-handshake messages (session tickets) arrive with
 *	the EHLO reply and the session often stalls until the timeout
 *	(seen against Postfix: tests/integration/smtptls.sh).  TLS 1.2 has
 *	no post-handshake messages, so it is the highest version offered.
 *	libesmtp connects with a blocking connect(2), which a relay that
 *	drops SYNs would hold for the kernel's retries (about two minutes
 *	on Linux, per address).  A watchdog bounds it by timeout_s: a
 *	per-thread timer (timer_create, SIGEV_THREAD_ID) sends our
 *	watchdog signal (SIGRTMIN + 4, whose handler does nothing and
 *	does not restart system calls) to the calling thread after
 *	timeout_s and every second after that, so connect(2) fails with
 *	EINTR, and libesmtp's "connected" event disarms it.  The signal is
 *	unblocked only in that thread and only for the session.  An IPv6
 *	literal cannot be given as
 *	SMTPServer (libesmtp splits host and port at the first colon); use
 *	a host name.
 *	libesmtp writes the end of the data (CRLF.CRLF) as a second small
 *	segment, which Nagle's algorithm holds until the relay's delayed
 *	ACK: 40 ms per message on Linux (200 ms on some systems), measured
 *	as 58 ms per report against smtp-sink.  libesmtp gives no access to
 *	its socket, so at its "connected" event we find it (the connected
 *	TCP socket to the relay's port with Nagle on, lowest number first,
 *	descriptors below 4096) and set TCP_NODELAY.  A socket not found
 *	(a higher number) only costs the wait.
 *
 * SEE ALSO
 *	libesmtp (https://libesmtp.github.io), RFC 5321, RFC 3207
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/ssl.h>		/* before libesmtp.h: smtp_starttls_set_ctx */
#include <auth-client.h>
#include <libesmtp.h>

#include "conf.h"
#include "log.h"
#include "smtp.h"
#include "xmalloc.h"

#define SMTP_DEFAULT_TIMEOUT	30	/* seconds per protocol step */
#ifndef sigev_notify_thread_id		/* glibc before 2.38 names it so */
#define sigev_notify_thread_id	_sigev_un._tid
#endif
#define SMTP_PASSWORD_MAX	1024
#define RELAY_FDSCAN		4096	/* descriptors searched for the socket */

/* State of one smtp_send() call, shared with the libesmtp callbacks. */
struct smtp_run {
	const struct smtp_conf	*sc;
	char			*data;		/* CRLF message */
	size_t			 len, off;
	char			 event[160];	/* why the session stopped */
	timer_t			 wd;		/* connect watchdog */
	int			 wd_armed;
	int			 connected;
};

static pthread_once_t smtp_once = PTHREAD_ONCE_INIT;
static SSL_CTX *smtp_tls;
static int wd_ok;			/* the watchdog handler is installed */
static _Thread_local volatile sig_atomic_t wd_fired;

/* wd_signal - the connect watchdog's signal */
static int
wd_signal(void)
{
	return SIGRTMIN + 4;
}

/* wd_handler - note the interruption; connect(2) returns EINTR */
static void
wd_handler(int sig)
{
	(void)sig;
	wd_fired = 1;
}

/* wd_install - the watchdog's handler, without SA_RESTART */
static void
wd_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wd_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(wd_signal(), &sa, NULL) == 0)
		wd_ok = 1;
	else
		log_warn("smtp: no connect watchdog (sigaction)");
}

/*
 * wd_arm - signal this thread after t seconds, then every second, until
 * wd_disarm (see BUGS); 0 when there is no watchdog
 */
static int
wd_arm(struct smtp_run *r, int t)
{
	struct sigevent sev;
	struct itimerspec its;

	wd_fired = 0;
	if (!wd_ok)
		return 0;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = wd_signal();
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &r->wd) != 0) {
		log_warn("smtp: no connect watchdog (timer_create)");
		return 0;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = t > 0 ? t : 1;
	its.it_interval.tv_sec = 1;
	if (timer_settime(r->wd, 0, &its, NULL) != 0) {
		timer_delete(r->wd);
		return 0;
	}
	r->wd_armed = 1;
	return 1;
}

/* wd_disarm - stop and delete the watchdog timer */
static void
wd_disarm(struct smtp_run *r)
{
	if (!r->wd_armed)
		return;
	timer_delete(r->wd);
	r->wd_armed = 0;
}

/* smtp_global_init - SASL plugin list and our TLS context, once */
static void
smtp_global_init(void)
{
	auth_client_init();
	wd_install();
	if ((smtp_tls = SSL_CTX_new(TLS_client_method())) == NULL)
		return;		/* STARTTLS then fails: libesmtp has no ctx */
	SSL_CTX_set_min_proto_version(smtp_tls, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(smtp_tls, TLS1_2_VERSION);
	if (SSL_CTX_set_default_verify_paths(smtp_tls) != 1)
		log_warnx("smtp: cannot load the system's CA certificates");
}

/* read_password - first line of path into a new string */
static char *
read_password(const char *path, char *err, size_t errlen)
{
	char line[SMTP_PASSWORD_MAX + 2];
	FILE *fp;
	size_t n;
	char *pw;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), fp) == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	n = strcspn(line, "\r\n");
	if (n > SMTP_PASSWORD_MAX) {
		snprintf(err, errlen, "%s: password longer than %d bytes",
		    path, SMTP_PASSWORD_MAX);
		explicit_bzero(line, sizeof(line));
		return NULL;
	}
	line[n] = '\0';
	pw = xstrdup(line);
	explicit_bzero(line, sizeof(line));
	return pw;
}

/* smtp_conf_init - the relay settings of c; -1 with err on failure */
int
smtp_conf_init(struct smtp_conf *sc, const struct conf *c, char *err,
    size_t errlen)
{
	const char *s, *pwfile;

	memset(sc, 0, sizeof(*sc));
	sc->server = xstrdup(conf_str(c, C_SMTPSERVER));
	sc->port = (int)conf_int(c, C_SMTPPORT);
	s = conf_str(c, C_SMTPSTARTTLS);
	if (strcmp(s, "no") == 0)
		sc->starttls = SMTP_TLS_NO;
	else if (strcmp(s, "required") == 0)
		sc->starttls = SMTP_TLS_REQUIRED;
	else
		sc->starttls = SMTP_TLS_OPPORTUNISTIC;
	sc->timeout_s = SMTP_DEFAULT_TIMEOUT;
	if ((s = conf_str(c, C_SMTPUSER)) == NULL)
		return 0;
	sc->user = xstrdup(s);
	if ((pwfile = conf_str(c, C_SMTPPASSWORDFILE)) == NULL) {
		snprintf(err, errlen, "SMTPUser is set but SMTPPasswordFile "
		    "is not");
		smtp_conf_clear(sc);
		return -1;
	}
	if ((sc->password = read_password(pwfile, err, errlen)) == NULL) {
		smtp_conf_clear(sc);
		return -1;
	}
	return 0;
}

/* smtp_conf_clear - free what smtp_conf_init() allocated */
void
smtp_conf_clear(struct smtp_conf *sc)
{
	free(sc->server);
	free(sc->user);
	if (sc->password != NULL) {
		explicit_bzero(sc->password, strlen(sc->password));
		free(sc->password);
	}
	free(sc->helo);
	memset(sc, 0, sizeof(*sc));
}

/* crlf_copy - msg with every bare LF made CRLF; *outlen its length */
static char *
crlf_copy(const char *msg, size_t len, size_t *outlen)
{
	size_t i, n = 0, bare = 0;
	char *out;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			bare++;
	out = xmalloc(len + bare + 1);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = msg[i];
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* msg_cb - hand libesmtp the message in chunks; len == NULL rewinds */
static const char *
msg_cb(void **ctx, int *len, void *arg)
{
	struct smtp_run *r = arg;
	size_t n;
	const char *p;

	(void)ctx;
	if (len == NULL) {
		r->off = 0;
		return NULL;
	}
	n = r->len - r->off;
	if (n > 65536)
		n = 65536;
	p = r->data + r->off;
	r->off += n;
	*len = (int)n;
	return n > 0 ? p : NULL;
}

/* tls_ok - accept a certificate problem only when TLS is opportunistic */
static void
tls_ok(struct smtp_run *r, int *ok, const char *what)
{
	if (r->sc->starttls == SMTP_TLS_REQUIRED) {
		*ok = 0;
		snprintf(r->event, sizeof(r->event), "STARTTLS: %s", what);
	} else
		*ok = 1;
}

/* peer_port - the remote port of a connected socket address, or -1 */
static int
peer_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->
		    sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
		    sin6_port);
	return -1;
}

/* relay_nodelay - Nagle off on the socket libesmtp just connected (see
   BUGS): the first connected TCP socket to the relay's port with Nagle
   still on, searched upward (socket(2) takes the lowest free number) */
static void
relay_nodelay(int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on, one = 1;

	for (fd = 3; fd < RELAY_FDSCAN; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0 ||
		    on != 0)
			continue;
		len = sizeof(ss);
		if (getpeername(fd, (struct sockaddr *)(void *)&ss, &len) != 0 ||
		    peer_port(&ss) != port)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == 0)
			log_debug("SMTP relay socket %d (port %d): TCP_NODELAY",
			    fd, port);
		return;
	}
}

/* event_cb - record why libesmtp stops; decide certificate problems */
static void
event_cb(smtp_session_t s, int ev, void *arg, ...)
{
	struct smtp_run *r = arg;
	va_list ap;
	int *ok;

	(void)s;
	va_start(ap, arg);
	switch (ev) {
	case SMTP_EV_CONNECT:
		r->connected = 1;
		wd_disarm(r);
		relay_nodelay(r->sc->port);
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		snprintf(r->event, sizeof(r->event), "STARTTLS required "
		    "but not offered by the relay");
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		(void)va_arg(ap, long);
		ok = va_arg(ap, int *);
		tls_ok(r, ok, "certificate does not verify");
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		tls_ok(r, ok, ev == SMTP_EV_NO_PEER_CERTIFICATE ?
		    "no certificate" : "certificate names another host");
		break;
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		ok = va_arg(ap, int *);
		tls_ok(r, ok, "weak cipher");
		break;
	case SMTP_EV_NO_CLIENT_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 1;
		break;
	case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
	case SMTP_EV_UNUSABLE_CA_LIST:
		snprintf(r->event, sizeof(r->event), "STARTTLS: unusable "
		    "certificate files under $HOME/.authenticate");
		break;
	default:
		break;
	}
	va_end(ap);
}

/* auth_cb - answer libesmtp's SASL prompts with user and password */
static int
auth_cb(auth_client_request_t req, char **result, int fields, void *arg)
{
	const struct smtp_conf *sc = arg;
	int i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = sc->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = sc->password;
		else
			return 0;
	}
	return 1;
}

/* is_loopback - the relay is this host */
static int
is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 ||
	    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* auth_setup - an AUTH context for the session, NULL without SMTPUser */
static auth_context_t
auth_setup(smtp_session_t s, const struct smtp_conf *sc)
{
	auth_context_t a;

	if (sc->user == NULL || sc->password == NULL)
		return NULL;
	if ((a = auth_create_context()) == NULL)
		fatalx("auth_create_context: out of memory");
	if (sc->starttls == SMTP_TLS_REQUIRED || is_loopback(sc->server))
		auth_set_mechanism_flags(a, AUTH_PLUGIN_PLAIN, 0);
	auth_set_interact_cb(a, auth_cb, (void *)sc);
	smtp_auth_set_context(s, a);
	return a;
}

/* set_timeouts - every protocol step bounded by t seconds */
static void
set_timeouts(smtp_session_t s, int t)
{
	static const int which[] = { Timeout_GREETING, Timeout_ENVELOPE,
	    Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2 };
	long ms = (t > 0 ? t : SMTP_DEFAULT_TIMEOUT) * 1000L;
	size_t i;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++)
		smtp_set_timeout(s, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    ms);
}

/* status_text - "CODE text" of a reply, text cut at the first line end */
static void
status_text(const smtp_status_t *st, char *buf, size_t buflen)
{
	const char *t = st->text != NULL ? st->text : "";

	snprintf(buf, buflen, "%d %.*s", st->code, (int)strcspn(t, "\r\n"),
	    t);
}

/* classify - the smtp_send result from the session's reply codes */
static int
classify(smtp_message_t m, smtp_recipient_t *rv, const char *const *rcpts,
    size_t n, char *err, size_t errlen)
{
	const smtp_status_t *st;
	char txt[256];
	size_t i, nok = 0, nperm = 0;
	int mail, data;

	st = smtp_reverse_path_status(m);
	mail = st->code / 100;
	if (mail == 4 || mail == 5) {
		status_text(st, txt, sizeof(txt));
		snprintf(err, errlen, "MAIL FROM rejected: %s", txt);
		return mail == 5 ? SMTP_PERM : SMTP_TEMP;
	}
	for (i = 0; i < n; i++) {
		st = smtp_recipient_status(rv[i]);
		if (st->code / 100 == 2)
			nok++;
		else {
			if (st->code / 100 == 5)
				nperm++;
			status_text(st, txt, sizeof(txt));
			snprintf(err, errlen, "RCPT TO:<%s> rejected: %s",
			    rcpts[i], txt);
		}
	}
	if (nok == 0)
		return nperm == n ? SMTP_PERM : SMTP_TEMP;
	st = smtp_message_transfer_status(m);
	data = st->code / 100;
	if (data != 2) {
		status_text(st, txt, sizeof(txt));
		snprintf(err, errlen, "message not accepted: %s", txt);
		return data == 5 ? SMTP_PERM : SMTP_TEMP;
	}
	return nok == n ? SMTP_OK : SMTP_TEMP;
}

/*
 * start_guarded - smtp_start_session() with the connect watchdog armed
 * and its signal unblocked in this thread; afterwards the signal is
 * blocked again and one still pending is taken, so it cannot fire later
 */
static int
start_guarded(smtp_session_t s, struct smtp_run *r, int t)
{
	struct timespec zero = { 0, 0 };
	sigset_t wd, old;
	int ok;

	sigemptyset(&wd);
	sigaddset(&wd, wd_signal());
	pthread_sigmask(SIG_BLOCK, &wd, &old);
	if (wd_arm(r, t))
		pthread_sigmask(SIG_UNBLOCK, &wd, NULL);
	ok = smtp_start_session(s);
	pthread_sigmask(SIG_BLOCK, &wd, NULL);
	wd_disarm(r);
	while (sigtimedwait(&wd, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/* session_run - one libesmtp session for r; the smtp_send result */
static int
session_run(struct smtp_run *r, const char *envfrom,
    const char *const *rcpts, size_t n, char *err, size_t errlen)
{
	const struct smtp_conf *sc = r->sc;
	smtp_session_t s;
	smtp_message_t m;
	smtp_recipient_t *rv;
	auth_context_t a;
	char hostport[300], ebuf[128];
	size_t i;
	int rc, started;

	if ((s = smtp_create_session()) == NULL)
		fatalx("smtp_create_session: out of memory");
	snprintf(hostport, sizeof(hostport), "%s:%d", sc->server, sc->port);
	smtp_set_server(s, hostport);
	if (sc->helo != NULL)
		smtp_set_hostname(s, sc->helo);
	set_timeouts(s, sc->timeout_s);
	smtp_starttls_enable(s, sc->starttls == SMTP_TLS_REQUIRED ?
	    Starttls_REQUIRED : sc->starttls == SMTP_TLS_NO ?
	    Starttls_DISABLED : Starttls_ENABLED);
	smtp_set_eventcb(s, event_cb, r);
	if (sc->starttls != SMTP_TLS_NO && smtp_tls != NULL)
		smtp_starttls_set_ctx(s, smtp_tls);
	a = auth_setup(s, sc);
	m = smtp_add_message(s);
	smtp_set_reverse_path(m, envfrom);
	smtp_set_messagecb(m, msg_cb, r);
	rv = xcalloc(n, sizeof(*rv));
	for (i = 0; i < n; i++)
		if ((rv[i] = smtp_add_recipient(m, rcpts[i])) == NULL)
			fatalx("smtp_add_recipient: out of memory");
	started = start_guarded(s, r, sc->timeout_s);
	if (!started && !r->connected && wd_fired) {
		snprintf(err, errlen, "%s: no connection within %d s", hostport,
		    sc->timeout_s);
		rc = SMTP_TEMP;
	} else if (!started) {
		snprintf(err, errlen, "%s: %s", hostport, r->event[0] != '\0' ?
		    r->event : smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		rc = SMTP_TEMP;
	} else if (r->event[0] != '\0') {
		snprintf(err, errlen, "%s: %s", hostport, r->event);
		rc = SMTP_TEMP;
	} else
		rc = classify(m, rv, rcpts, n, err, errlen);
	free(rv);
	smtp_destroy_session(s);
	if (a != NULL)
		auth_destroy_context(a);
	return rc;
}

/* smtp_send - deliver msg to rcpts through the relay; SMTP_* result */
int
smtp_send(const struct smtp_conf *sc, const char *envfrom,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    char *err, size_t errlen)
{
	struct smtp_run r;
	sigset_t ps, old, pending;
	struct timespec zero = { 0, 0 };
	int rc, was_pending;

	if (errlen > 0)
		err[0] = '\0';
	if (nrcpts == 0 || sc->server == NULL) {
		snprintf(err, errlen, "no recipient or no relay");
		return SMTP_PERM;
	}
	pthread_once(&smtp_once, smtp_global_init);
	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.data = crlf_copy(msg, len, &r.len);
	sigemptyset(&ps);
	sigaddset(&ps, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &ps, &old);
	rc = session_run(&r, envfrom, rcpts, nrcpts, err, errlen);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE))
		while (sigtimedwait(&ps, NULL, &zero) == -1 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(r.data);
	return rc;
}
