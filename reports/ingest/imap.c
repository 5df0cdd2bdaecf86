/*
 * imap.c -- an IMAP mailbox as dmarc-ingest's input: read it once, or
 * stay connected and wait for new reports with IDLE
 *
 * DESCRIPTION
 *	A session connects (imaps://, or imap:// with STARTTLS, which is
 *	required unless the server is on loopback or --no-starttls is
 *	given), checks the certificate (imaptls.c) before the password is
 *	sent, logs in, selects the mailbox and reads every message above the
 *	last UID it has seen, oldest first, with BODY.PEEK[] so a message
 *	left in place stays unseen.  Each message goes through one_input(),
 *	like a Maildir file, and then, only once its reports are stored and
 *	the outputs flushed (sinks_flush), it is moved into
 *	Prefix<delim>Aggregate, Failure, TLS or Invalid (--archive, folders
 *	created and subscribed when missing, flagged seen), removed
 *	(--delete), or left alone.  A message whose reports a sink failed to
 *	save stays where it is, with the reason logged, and is read again by
 *	the next run (with --idle, by the next scan, a minute later at most).
 *	Moving is UID MOVE (RFC 6851) when the server has it, else UID COPY,
 *	\Deleted and UID EXPUNGE (RFC 4315; a plain EXPUNGE on a server
 *	without UIDPLUS).  A message whose RFC822.SIZE is over --max-size
 *	is not fetched, and one that turns out larger while it arrives is
 *	not kept beyond it: either counts as invalid with that reason.
 *
 *	With --idle the session then waits with IDLE (RFC 2177), re-issued
 *	every 25 minutes (servers may drop an IDLE after 29), and rescans on
 *	any untagged data; a server without IDLE is polled every minute.  A
 *	dropped connection is reopened with a backoff of 1 s doubling to
 *	5 minutes; the UID already read is kept while UIDVALIDITY is.  The
 *	first connection must succeed (a wrong password or certificate stops
 *	the program at once).  SIGTERM and SIGINT are blocked except while
 *	waiting, and looked at between messages, so a stop never cuts a
 *	message between storing and moving it.
 *
 *	Every network step has the --timeout (libetpan's select() timeout
 *	on connect, handshake, reads and writes).
 *
 * WHY LIBETPAN
 *	It has IDLE (mailimap_idle, _done, _get_fd), UID MOVE, UIDPLUS's
 *	UID EXPUNGE, STARTTLS and per-session timeouts.  libcurl's IMAP has
 *	no IDLE (a command waiting for DONE cannot be expressed), so a
 *	waiting reader would have to poll or hand-write the protocol.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "imap.h"
#include "ingest_main.h"
#include "log.h"
#include "xmalloc.h"

#define IDLE_RENEW	(25 * 60)	/* seconds; RFC 2177 says 29 min */
#define POLL_EVERY	60		/* seconds, servers without IDLE */
#define RETRY_UNSAVED	60		/* seconds, a message left unsaved */
#define BACKOFF_MAX	300

enum { F_AGG, F_FAIL, F_TLS, F_INVALID, F_N };
static const char *const kinds[F_N] = { "Aggregate", "Failure", "TLS",
	"Invalid" };

struct imap {
	struct ingest_run	*run;
	const struct imap_conf	*conf;
	struct imap_url		 url;
	char			 label[1024];	/* URL without the user */
	char			*password;
	mailimap		*s;
	char			 delim;		/* hierarchy delimiter */
	int			 made[F_N];	/* archive folder exists */
	uint32_t		 uidvalidity, lastuid;
	int			 unsaved;	/* a message to retry */
	char			 why[512];	/* last session error */
};

struct msgref {
	uint32_t	uid, size;
	int		deleted;
};

static volatile sig_atomic_t stopping;
static sigset_t	waitmask;	/* the mask to wait with (signals open) */

/* on_signal - SIGTERM/SIGINT: finish the message, then stop */
static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* imap_stopped - SIGTERM or SIGINT arrived while reading a mailbox */
int
imap_stopped(void)
{
	return stopping;
}

/* signals_block - handlers in place, blocked until we wait */
static void
signals_block(sigset_t *old)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, old);
	waitmask = *old;
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
}

/* signals_peek - let a pending SIGTERM/SIGINT in; 1 when stopping */
static int
signals_peek(void)
{
	sigset_t old;

	sigprocmask(SIG_SETMASK, &waitmask, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return stopping;
}

/* nap - sleep secs seconds, or less when a signal comes */
static void
nap(int secs)
{
	struct timespec ts = { secs, 0 };

	if (!stopping)
		(void)ppoll(NULL, 0, &ts, &waitmask);
}

/* broken - r means the connection is gone (not a NO or BAD answer) */
static int
broken(int r)
{
	return r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    r == MAILIMAP_ERROR_MEMORY || r == MAILIMAP_ERROR_CONNECTION_REFUSED;
}

/* say - set the session error, return -1 */
static int
say(struct imap *im, const char *what, int r)
{
	const char *resp = im->s != NULL ? im->s->imap_response : NULL;

	snprintf(im->why, sizeof(im->why), "%s: %s", what,
	    resp != NULL && *resp != '\0' && !broken(r) ? resp :
	    r == MAILIMAP_ERROR_STREAM ? "connection lost or timed out" :
	    r == MAILIMAP_ERROR_CONNECTION_REFUSED ? "connection refused" :
	    r == MAILIMAP_ERROR_SSL ? "TLS handshake failed" :
	    r == MAILIMAP_ERROR_PARSE ? "unparsable server answer" :
	    "failed");
	return -1;
}

/* read_password - first line of the password file; NULL with a reason */
static char *
read_password(const char *path, char *why, size_t whylen)
{
	char buf[1024];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warnx("%s: readable by others than its owner", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(why, whylen, "%s: empty", path);
		return NULL;
	}
	return xstrdup(buf);
}

/* sni - name the host in the TLS handshake (not for IP literals) */
static void
sni(struct mailstream_ssl_context *ctx, void *arg)
{
	struct imap *im = arg;

	if (strchr(im->url.host, ':') == NULL &&
	    strspn(im->url.host, "0123456789.") != strlen(im->url.host))
		mailstream_ssl_set_server_name(ctx, im->url.host);
}

/* capability - refresh the server's capability list */
static int
capability(struct imap *im)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(im->s, &cap);
	if (cap != NULL)
		mailimap_capability_data_free(cap);
	return r == MAILIMAP_NO_ERROR ? 0 : say(im, "CAPABILITY", r);
}

/* secure - STARTTLS as required, then check the certificate */
static int
secure(struct imap *im)
{
	const struct imap_conf *c = im->conf;
	int tls = im->url.tls, r;

	if (!tls && !c->plaintext) {
		if (capability(im) != 0)
			return -1;
		if (mailimap_has_extension(im->s, "STARTTLS")) {
			r = mailimap_socket_starttls_with_callback(im->s, sni,
			    im);
			if (r != MAILIMAP_NO_ERROR)
				return say(im, "STARTTLS", r);
			tls = 1;
		} else if (!imap_is_loopback(im->url.host)) {
			snprintf(im->why, sizeof(im->why), "the server offers "
			    "no STARTTLS (use imaps://, or --no-starttls to "
			    "send the password in clear)");
			return -1;
		}
	}
	if (tls && !c->noverify && imap_verify_chain(im->s->imap_stream,
	    im->url.host, c->cafile, im->why, sizeof(im->why)) != 0)
		return -1;
	im->why[0] = '\0';
	return 0;
}

/* delimiter - the server's hierarchy delimiter ('/' when it has none) */
static int
delimiter(struct imap *im)
{
	struct mailimap_mailbox_list *mb;
	clist *l = NULL;
	int r;

	im->delim = '/';
	r = mailimap_list(im->s, "", "", &l);
	if (r != MAILIMAP_NO_ERROR)
		return say(im, "LIST", r);
	if (l != NULL && clist_begin(l) != NULL) {
		mb = clist_content(clist_begin(l));
		if (mb->mb_delimiter != '\0')
			im->delim = mb->mb_delimiter;
	}
	if (l != NULL)
		mailimap_list_result_free(l);
	return 0;
}

/* open_session - connect, secure, log in, select; -1 with im->why */
static int
open_session(struct imap *im)
{
	uint32_t uv;
	int r;

	memset(im->made, 0, sizeof(im->made));
	im->s = mailimap_new(0, NULL);
	mailimap_set_timeout(im->s, im->conf->timeout);
	if (im->url.tls)
		r = mailimap_ssl_connect_with_callback(im->s, im->url.host,
		    im->url.port, sni, im);
	else
		r = mailimap_socket_connect(im->s, im->url.host, im->url.port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return say(im, "connect", r);
	if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (secure(im) != 0)
			return -1;
		r = mailimap_login(im->s, im->url.user, im->password);
		if (r != MAILIMAP_NO_ERROR)
			return say(im, "LOGIN", r);
	}
	if (capability(im) != 0 || delimiter(im) != 0)
		return -1;
	if ((r = mailimap_select(im->s, im->url.mailbox)) != MAILIMAP_NO_ERROR)
		return say(im, "SELECT", r);
	uv = im->s->imap_selection_info != NULL ?
	    im->s->imap_selection_info->sel_uidvalidity : 0;
	if (uv != im->uidvalidity) {
		im->uidvalidity = uv;
		im->lastuid = 0;
	}
	log_debug("%s: connected (%s%s%s)", im->label,
	    mailimap_has_extension(im->s, "MOVE") ? "MOVE " : "",
	    mailimap_has_extension(im->s, "UIDPLUS") ? "UIDPLUS " : "",
	    mailimap_has_idle(im->s) ? "IDLE" : "");
	return 0;
}

/* close_session - log out when the connection still stands */
static void
close_session(struct imap *im, int polite)
{
	if (im->s == NULL)
		return;
	if (polite)
		(void)mailimap_logout(im->s);
	mailimap_free(im->s);
	im->s = NULL;
}

/* att_item - one static attribute of a FETCH answer into m */
static void
att_item(struct mailimap_msg_att_item *it, struct msgref *m)
{
	struct mailimap_msg_att_static *st;
	struct mailimap_flag_fetch *ff;
	clistiter *c;

	if (it->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
		if (it->att_data.att_dyn == NULL ||
		    it->att_data.att_dyn->att_list == NULL)
			return;
		for (c = clist_begin(it->att_data.att_dyn->att_list);
		    c != NULL; c = clist_next(c)) {
			ff = clist_content(c);
			if (ff->fl_flag != NULL &&
			    ff->fl_flag->fl_type == MAILIMAP_FLAG_DELETED)
				m->deleted = 1;
		}
		return;
	}
	if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
	    (st = it->att_data.att_static) == NULL)
		return;
	if (st->att_type == MAILIMAP_MSG_ATT_UID)
		m->uid = st->att_data.att_uid;
	else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
		m->size = st->att_data.att_rfc822_size;
}

/* list_new - UID, size and \Deleted of the messages above lastuid */
static int
list_new(struct imap *im, struct msgref **out, size_t *nout)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct msgref m, *v = NULL;
	clist *res = NULL;
	clistiter *c, *a;
	size_t n = 0, cap = 0;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	set = mailimap_set_new_interval(im->lastuid + 1, 0);	/* n:* */
	r = mailimap_uid_fetch(im->s, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return say(im, "UID FETCH", r);
	for (c = res != NULL ? clist_begin(res) : NULL; c != NULL;
	    c = clist_next(c)) {
		memset(&m, 0, sizeof(m));
		for (a = clist_begin(((struct mailimap_msg_att *)
		    clist_content(c))->att_list); a != NULL; a = clist_next(a))
			att_item(clist_content(a), &m);
		/* "n:*" answers the last message even when its UID < n */
		if (m.uid <= im->lastuid || m.deleted)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = m;
	}
	if (res != NULL)
		mailimap_fetch_list_free(res);
	*out = v;
	*nout = n;
	return 0;
}

/* A message body as libetpan receives it, cut at --max-size. */
struct bodybuf {
	struct ibuf	b;
	size_t		max;
	int		called, over;
};

/* body_chunk - keep what arrives up to max (the server's RFC822.SIZE may
   have lied); true: consumed, libetpan keeps no copy */
static bool
body_chunk(int type, struct mailimap_msg_att_body_section *sec,
    const char *p, size_t n, void *arg)
{
	struct bodybuf *bb = arg;

	(void)sec;
	if (type != MAILIMAP_MSG_ATT_BODY_SECTION)
		return false;
	bb->called = 1;
	if (bb->over || n > bb->max - bb->b.len) {
		bb->over = 1;
		return true;
	}
	ibuf_add(&bb->b, p, n);
	return true;
}

/* body_take - the streamed body, or *body NULL and *over when too big */
static void
body_take(struct bodybuf *bb, char **body, size_t *len, int *over)
{
	*over = bb->over;
	if (bb->over) {
		ibuf_free(&bb->b);
		return;
	}
	ibuf_add(&bb->b, "", 0);
	*body = bb->b.data;
	*len = bb->b.len;
}

/* fetch_body - the whole message uid (NUL-terminated copy), or NULL */
static int
fetch_body(struct imap *im, uint32_t uid, char **body, size_t *len,
    int *over)
{
	struct bodybuf bb;
	struct mailimap_fetch_type *ft;
	struct mailimap_msg_att_static *st;
	struct mailimap_msg_att_item *it;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *c, *a;
	int r;

	*body = NULL;
	*over = 0;
	memset(&bb, 0, sizeof(bb));
	bb.max = im->conf->maxsize;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(
	    NULL)));
	set = mailimap_set_new_single(uid);
	mailimap_set_msg_body_handler(im->s, body_chunk, &bb);
	r = mailimap_uid_fetch(im->s, set, ft, &res);
	mailimap_set_msg_body_handler(im->s, NULL, NULL);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		ibuf_free(&bb.b);
		return broken(r) ? say(im, "UID FETCH", r) : 0;
	}
	if (bb.called) {
		body_take(&bb, body, len, over);
		if (res != NULL)
			mailimap_fetch_list_free(res);
		return 0;
	}
	for (c = res != NULL ? clist_begin(res) : NULL; c != NULL &&
	    *body == NULL; c = clist_next(c))
		for (a = clist_begin(((struct mailimap_msg_att *)
		    clist_content(c))->att_list); a != NULL; a = clist_next(a)) {
			it = clist_content(a);
			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
			    (st = it->att_data.att_static) == NULL ||
			    st->att_type != MAILIMAP_MSG_ATT_BODY_SECTION ||
			    st->att_data.att_body_section == NULL ||
			    st->att_data.att_body_section->sec_body_part ==
			    NULL)
				continue;
			*len = st->att_data.att_body_section->sec_length;
			*body = xmalloc(*len + 1);
			memcpy(*body, st->att_data.att_body_section->
			    sec_body_part, *len);
			(*body)[*len] = '\0';
			break;
		}
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return 0;
}

/* add_flag - UID STORE +FLAGS.SILENT (flag) */
static int
add_flag(struct imap *im, struct mailimap_set *set, struct mailimap_flag *f)
{
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sa;
	int r;

	fl = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(fl, f);
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(im->s, set, sa);
	mailimap_store_att_flags_free(sa);
	return r;
}

/* expunge - \Deleted, then UID EXPUNGE (EXPUNGE without UIDPLUS) */
static int
expunge(struct imap *im, struct mailimap_set *set)
{
	int r;

	if ((r = add_flag(im, set, mailimap_flag_new_deleted())) !=
	    MAILIMAP_NO_ERROR)
		return r;
	if (mailimap_has_extension(im->s, "UIDPLUS"))
		return mailimap_uid_expunge(im->s, set);
	return mailimap_expunge(im->s);
}

/* folder - make sure the archive folder of kind exists */
static int
folder(struct imap *im, int kind, char *name, size_t len)
{
	clist *l = NULL;
	int r, exists;

	snprintf(name, len, "%s%c%s", im->run->archive, im->delim,
	    kinds[kind]);
	if (im->made[kind])
		return MAILIMAP_NO_ERROR;
	r = mailimap_list(im->s, "", name, &l);
	if (broken(r))
		return r;
	exists = r == MAILIMAP_NO_ERROR && l != NULL && clist_count(l) > 0;
	if (l != NULL)
		mailimap_list_result_free(l);
	if (!exists) {
		r = mailimap_create(im->s, name);
		if (broken(r))
			return r;
		if (r != MAILIMAP_NO_ERROR)	/* a race: made meanwhile */
			log_warnx("%s: CREATE %s: %s", im->label, name,
			    im->s->imap_response != NULL ?
			    im->s->imap_response : "failed");
		else
			log_info("%s: created %s", im->label, name);
		(void)mailimap_subscribe(im->s, name);
	}
	im->made[kind] = 1;
	return MAILIMAP_NO_ERROR;
}

/* move - flag seen, then UID MOVE, or UID COPY and expunge */
static int
move(struct imap *im, uint32_t uid, int kind)
{
	struct mailimap_set *set;
	char name[600];
	int r;

	if ((r = folder(im, kind, name, sizeof(name))) != MAILIMAP_NO_ERROR)
		return r;
	set = mailimap_set_new_single(uid);
	r = add_flag(im, set, mailimap_flag_new_seen());
	if (r == MAILIMAP_NO_ERROR) {
		if (mailimap_has_extension(im->s, "MOVE"))
			r = mailimap_uid_move(im->s, set, name);
		else if ((r = mailimap_uid_copy(im->s, set, name)) ==
		    MAILIMAP_NO_ERROR)
			r = expunge(im, set);
	}
	mailimap_set_free(set);
	if (r == MAILIMAP_NO_ERROR)
		log_debug("%s;UID=%u: moved to %s", im->label, uid, name);
	return r;
}

/* dispose - move, delete or leave message uid; -1 if the link broke */
static int
dispose(struct imap *im, uint32_t uid, int what)
{
	struct mailimap_set *set;
	int r = MAILIMAP_NO_ERROR;

	if (what == INPUT_UNSAVED) {
		log_warnx("%s;UID=%u: its reports were not saved; left in %s",
		    im->label, uid, im->url.mailbox);
		im->unsaved = 1;
		return 0;
	}
	if (im->run->delete && what != INPUT_INVALID) {
		set = mailimap_set_new_single(uid);
		r = expunge(im, set);
		mailimap_set_free(set);
	} else if (im->run->archive != NULL)
		r = move(im, uid, what == INPUT_INVALID ? F_INVALID : what);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (broken(r))
		return say(im, "archiving", r);
	log_warnx("%s;UID=%u: not archived: %s", im->label, uid,
	    im->s->imap_response != NULL ? im->s->imap_response : "failed");
	return 0;
}

/* message - read, store and dispose of one message; -1 if the link broke */
static int
message(struct imap *im, const struct msgref *m)
{
	struct ingest_run *run = im->run;
	char name[1100], why[64], *body = NULL;
	size_t len = 0;
	int what, over = m->size > im->conf->maxsize;

	snprintf(name, sizeof(name), "%s;UIDVALIDITY=%u/;UID=%u", im->label,
	    im->uidvalidity, m->uid);
	if (!over) {
		if (fetch_body(im, m->uid, &body, &len, &over) != 0)
			return -1;
		if (body == NULL && !over)	/* expunged meanwhile */
			return 0;
	}
	if (over) {
		snprintf(why, sizeof(why), "larger than %zu bytes",
		    im->conf->maxsize);
		run->inputs++;
		run->invalid++;
		sink_invalid(run, name, why);
		what = INPUT_INVALID;
	} else {
		what = one_input(run, name, body, len);
		free(body);
	}
	if (sinks_flush(run) != 0 && what != INPUT_INVALID)
		what = INPUT_UNSAVED;
	return dispose(im, m->uid, what);
}

/* scan - every new message, oldest first; -1 if the link broke */
static int
scan(struct imap *im)
{
	struct msgref *v = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (list_new(im, &v, &n) != 0)
		return -1;
	if (n > 0)
		log_debug("%s: %zu new messages", im->label, n);
	im->unsaved = 0;
	for (i = 0; i < n && !signals_peek(); i++) {
		if ((rc = message(im, &v[i])) != 0)
			break;
		/* past a message left unsaved only when it is retried */
		if (!im->unsaved)
			im->lastuid = v[i].uid;
	}
	free(v);
	return rc;
}

/* idle_wait - wait for the mailbox to change: 0 rescan, -1 link broke */
static int
idle_wait(struct imap *im)
{
	struct timespec ts = { im->unsaved ? RETRY_UNSAVED : IDLE_RENEW, 0 };
	struct pollfd pfd;
	int r;

	if (!mailimap_has_idle(im->s)) {
		nap(im->unsaved ? RETRY_UNSAVED : POLL_EVERY);
		return 0;
	}
	if ((r = mailimap_idle(im->s)) != MAILIMAP_NO_ERROR)
		return say(im, "IDLE", r);
	/* an untagged answer may be buffered already */
	if (im->s->imap_stream->read_buffer_len == 0 && !stopping) {
		pfd.fd = mailimap_idle_get_fd(im->s);
		pfd.events = POLLIN;
		(void)ppoll(&pfd, 1, &ts, &waitmask);
	}
	if ((r = mailimap_idle_done(im->s)) != MAILIMAP_NO_ERROR)
		return say(im, "IDLE", r);
	return 0;
}

/* session - one connection: scan, then (--idle) wait and scan again */
static int
session(struct imap *im, int *connected)
{
	if (open_session(im) != 0)
		return -1;
	*connected = 1;
	if (scan(im) != 0)
		return -1;
	while (im->conf->idle && !stopping)
		if (idle_wait(im) != 0 || (!stopping && scan(im) != 0))
			return -1;
	return 0;
}

/* loop - sessions until done, stopped, or a failure that ends it */
static void
loop(struct imap *im)
{
	int backoff = 1, ever = 0, connected, rc, failed = im->run->failed;

	for (;;) {
		im->why[0] = '\0';
		connected = 0;
		rc = session(im, &connected);
		close_session(im, rc == 0);
		ever |= connected;
		/*
		 * A watcher stopped on purpose failed only if a message is
		 * still unsaved, not for a database outage it outlived.
		 */
		if ((rc == 0 || stopping) && im->conf->idle && ever)
			im->run->failed = failed || im->unsaved;
		if (rc == 0 || stopping)
			return;
		if (!im->conf->idle || !ever) {
			log_warnx("%s: %s", im->label, im->why);
			im->run->failed = 1;
			return;
		}
		if (connected)
			backoff = 1;
		log_warnx("%s: %s; reconnecting in %d s", im->label, im->why,
		    backoff);
		nap(backoff);
		if (stopping)
			return;
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
}

/* imap_input - one mailbox; failures are counted in run */
void
imap_input(struct ingest_run *run, const struct imap_conf *c,
    const char *url)
{
	struct imap im;
	sigset_t old;
	int v6;

	memset(&im, 0, sizeof(im));
	im.run = run;
	im.conf = c;
	if (imap_url_parse(url, &im.url, im.why, sizeof(im.why)) != 0 ||
	    c->passfile == NULL || (im.password = read_password(c->passfile,
	    im.why, sizeof(im.why))) == NULL) {
		log_warnx("%s: %s", url, c->passfile == NULL &&
		    im.why[0] == '\0' ? "no --password-file" : im.why);
		run->failed = 1;
		return;
	}
	v6 = strchr(im.url.host, ':') != NULL;
	snprintf(im.label, sizeof(im.label), "imap%s://%s%s%s:%u/%s",
	    im.url.tls ? "s" : "", v6 ? "[" : "", im.url.host, v6 ? "]" : "",
	    im.url.port, im.url.mailbox);
	signals_block(&old);
	loop(&im);
	sigprocmask(SIG_SETMASK, &old, NULL);
	explicit_bzero(im.password, strlen(im.password));
	free(im.password);
}
