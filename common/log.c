/*
 * log.c -- one logging path for every program: stderr, syslog, or both
 *
 * DESCRIPTION
 *	Lines are formatted into a bounded local buffer and emitted with a
 *	single write(2) or syslog(3) call, so concurrent milter threads never
 *	interleave.  Control characters from untrusted data are replaced by
 *	'?' so a hostile header cannot forge log lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "dmarcd";
static int log_stderr = 1;
static int log_syslog;
static int log_level;

static const struct {
	const char	*name;
	int		 fac;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON },
	{ "kern", LOG_KERN }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
	{ "news", LOG_NEWS }, { "security", LOG_AUTH },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER }, { "uucp", LOG_UUCP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* log_facility - facility by name, case-insensitive */
int
log_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].fac;
	return -1;
}

/* log_init - choose destinations; may be called again on reload */
void
log_init(const char *progname, int to_stderr, int to_syslog, int facility)
{
	log_prog = progname;
	log_stderr = to_stderr;
	if (log_syslog)
		closelog();
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, facility);
}

void
log_verbose(int level)
{
	log_level = level;
}

int
log_getverbose(void)
{
	return log_level;
}

/* vlog - format, sanitise, emit */
static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];
	size_t i, n;
	int len;

	len = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (len < 0)
		return;
	n = strlen(line);
	if (suffix != NULL) {
		size_t room = sizeof(line) - 2 - n;

		snprintf(line + n, room, ": %s", suffix);
		n = strlen(line);
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_syslog)
		syslog(pri, "%s", line);
	if (log_stderr) {
		char out[2200];
		int m = snprintf(out, sizeof(out), "%s: %s\n", log_prog, line);

		if (m > 0)
			(void)!write(STDERR_FILENO, out,
			    (size_t)m < sizeof(out) ? (size_t)m : sizeof(out) - 1);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug2(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
