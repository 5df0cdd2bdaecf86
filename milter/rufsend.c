/*
 * rufsend.c -- build and deliver one failure report (worker side)
 *
 * DESCRIPTION
 *	ruf_deliver() verifies the destinations (rufdest.c), builds the
 *	message (arf.c) and sends it by SMTP through the relay
 *	(common/smtp.c; envelope sender the FailureReportsSentBy address,
 *	recipients the ruf addresses and FailureReportsBcc) or through
 *	ReportCommand.  The command is run with posix_spawn(3) from the argv
 *	split at load time (no shell, nothing interpolated), the message on
 *	its standard input; it must take the recipients from the header
 *	("sendmail -t"), so the Bcc list travels in a Bcc: field, which
 *	sendmail -t removes.  The command gets RUF_CMD_TIMEOUT seconds and
 *	is killed after that; a non-zero exit status or a signal is logged.
 *	Every report sent or not sent leaves one log line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dmarcd.h"
#include "log.h"
#include "ruf.h"
#include "xmalloc.h"

#define RUF_CMD_TIMEOUT	60	/* seconds for ReportCommand */

extern char **environ;

/* uniq - a token for Message-ID and the MIME boundary */
static void
uniq(char *buf, size_t len)
{
	snprintf(buf, len, "%lld.%08x%08x", (long long)time(NULL),
	    arc4random(), arc4random());
}

/* ruf_message - see ruf.h; with_bcc puts the Bcc list in a Bcc: field */
char *
ruf_message(const struct ruf_job *j, int with_bcc, size_t *len)
{
	const struct rufcfg *rc = j->cfg->ruf;
	struct arf_input in;
	char u[64], ua[64];

	memset(&in, 0, sizeof(in));
	if (j->uniq != NULL)
		snprintf(u, sizeof(u), "%s", j->uniq);
	else
		uniq(u, sizeof(u));
	snprintf(ua, sizeof(ua), "%s/%s", DMARCD_NAME, PACKAGE_VERSION);
	in.sent_by = rc->sent_by;
	in.to = (const char *const *)(j->ndest > 0 ? j->dest : j->bcc);
	in.nto = j->ndest > 0 ? j->ndest : j->nbcc;
	if (with_bcc && j->ndest > 0) {
		in.bcc = (const char *const *)j->bcc;
		in.nbcc = j->nbcc;
	}
	in.uniq = u;
	in.hostname = j->reporter;
	in.user_agent = ua;
	in.now = time(NULL);
	in.auth_failure = j->auth_failure;
	in.identity_alignment = j->identity_alignment;
	in.auth_results = j->auth_results;
	in.envid = j->envid;
	in.mail_from = j->mail_from;
	in.rcpt_to = j->rcpt_to;
	in.arrival = j->arrival;
	in.source_ip = j->source_ip;
	in.source_host = j->source_host;
	in.reported_domain = j->reported_domain;
	in.delivery_result = j->delivery_result;
	in.dkim_domain = j->dkim_domain;
	in.dkim_selector = j->dkim_selector;
	in.dkim_identity = j->dkim_identity;
	in.spf_dns = j->spf_dns;
	in.policy_domain = j->policy_domain;
	in.policy = j->policy;
	in.result = j->result;
	in.disposition = j->disposition;
	in.dkim_summary = j->dkim_summary;
	in.spf_summary = j->spf_summary;
	in.hdrs = j->hdrs;
	in.nhdrs = j->nhdrs;
	in.body = j->body;
	in.bodylen = j->bodylen;
	in.body_cut = j->body_cut;
	in.redact = j->redact;
	return arf_build(&in, len);
}

/* write_all - msg to fd before the deadline; -1 on error or timeout */
static int
write_all(int fd, const char *msg, size_t len, time_t deadline)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t w;
	size_t off = 0;

	while (off < len) {
		if (time(NULL) >= deadline || poll(&pfd, 1, 1000) < 0)
			return -1;
		if ((w = write(fd, msg + off, len - off)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* reap - wait for pid until the deadline, then kill it; wait status */
static int
reap(pid_t pid, const char *name, time_t deadline)
{
	int st = 0;
	pid_t r;

	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && time(NULL) < deadline)
		usleep(20000);
	if (r == 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		log_warnx("ReportCommand %s: killed after %d seconds", name,
		    RUF_CMD_TIMEOUT);
	}
	return st;
}

/* spawn - argv with the read end of a pipe as stdin; -1 on failure */
static pid_t
spawn(char **argv, int fd_in, int fd_close)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	pid_t pid;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd_in, 0);
	posix_spawn_file_actions_addclose(&fa, fd_in);
	posix_spawn_file_actions_addclose(&fa, fd_close);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	rc = argv[0][0] == '/' ?
	    posix_spawn(&pid, argv[0], &fa, &at, argv, environ) :
	    posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* run_command - ReportCommand with msg on stdin; 0 when it exited 0 */
static int
run_command(char **argv, const char *msg, size_t len, char *why,
    size_t whylen)
{
	time_t deadline = time(NULL) + RUF_CMD_TIMEOUT;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = spawn(argv, p[0], p[1])) == -1) {
		snprintf(why, whylen, "cannot run %s: %s", argv[0],
		    strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[0]);
	(void)fcntl(p[1], F_SETFL, O_NONBLOCK);
	if (write_all(p[1], msg, len, deadline) != 0)
		log_warnx("ReportCommand %s: could not write the whole report",
		    argv[0]);
	close(p[1]);
	st = reap(pid, argv[0], deadline);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(why, whylen, "%s exited with status %d", argv[0],
		    WEXITSTATUS(st));
	else
		snprintf(why, whylen, "%s killed by signal %d", argv[0],
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

/* rcpt_list - destinations and Bcc as one vector (borrowed strings) */
static const char **
rcpt_list(const struct ruf_job *j, size_t *n)
{
	const char **v = xcalloc(j->ndest + j->nbcc + 1, sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; i < j->ndest; i++)
		v[(*n)++] = j->dest[i];
	for (i = 0; i < j->nbcc; i++)
		v[(*n)++] = j->bcc[i];
	return v;
}

/* ruf_deliver - see ruf.h */
void
ruf_deliver(struct ruf_job *j)
{
	const struct rufcfg *rc = j->cfg->ruf;
	const char **rcpts;
	char why[512], *msg;
	size_t len, n;
	int r;

	ruf_verify(j);
	if (j->ndest == 0 && j->nbcc == 0) {
		log_info("failure report for %s (%s) not sent: no authorized "
		    "destination", j->reported_domain, j->envid ? j->envid : "-");
		return;
	}
	j->spf_dns = ruf_spf_dns(j);
	msg = ruf_message(j, !rc->use_smtp, &len);
	rcpts = rcpt_list(j, &n);
	why[0] = '\0';
	if (rc->use_smtp)
		r = smtp_send(&rc->smtp, rc->envfrom, rcpts, n, msg, len, why,
		    sizeof(why)) == SMTP_OK ? 0 : -1;
	else
		r = run_command(rc->argv, msg, len, why, sizeof(why));
	if (r == 0)
		log_info("failure report for %s (%s) sent to %zu recipient%s, "
		    "first %s", j->reported_domain, j->envid ? j->envid : "-",
		    n, n == 1 ? "" : "s", rcpts[0]);
	else
		log_warnx("failure report for %s (%s) not sent: %s",
		    j->reported_domain, j->envid ? j->envid : "-", why);
	free(rcpts);
	free(msg);
}
