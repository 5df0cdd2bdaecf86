/*
 * histfile.c -- append one record to the history file
 *
 * SYNOPSIS
 *	int outcome_commit(const struct dmarcd_cfg *c, const struct msg *m,
 *	    struct outcome *out);
 *
 * DESCRIPTION
 *	The file is opened per message with O_APPEND, locked with flock(2)
 *	(opendmarc-import takes a shared lock while it reads), written with
 *	one write(2) of the whole record, and closed, so renaming it for
 *	rotation is always safe and a reader never sees half a record from a
 *	live writer.  A failed open or write is logged with the reason and,
 *	by default, tempfails the message (as OpenDMARC: losing report data
 *	silently is worse); HistoryFailureAction accept keeps the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

/* append - the record in one locked write; a short write is an error */
static int
append(const char *path, const char *rec, size_t len)
{
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return -1;
	if (flock(fd, LOCK_EX) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	n = write(fd, rec, len);
	saved = errno;
	(void)flock(fd, LOCK_UN);
	if (close(fd) != 0 && n >= 0) {
		saved = errno;
		n = -1;
	}
	if (n < 0 || (size_t)n != len) {
		errno = n < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

/* outcome_commit - see the file header */
int
outcome_commit(const struct dmarcd_cfg *c, const struct msg *m,
    struct outcome *out)
{
	const char *path = cfg_str(c, C_HISTORYFILE);
	const char *job = m->jobid != NULL ? m->jobid : "(unknown-jobid)";

	if (path == NULL || out->history == NULL)
		return 0;
	if (append(path, out->history, out->histlen) == 0)
		return 0;
	log_warn("%s: cannot append to history file %s", job, path);
	if (c->on_histerror == TF_TEMPFAIL && out->action != OUT_REJECT) {
		out->action = OUT_TEMPFAIL;
		snprintf(out->rcode, sizeof(out->rcode), "451");
		snprintf(out->xcode, sizeof(out->xcode), "4.3.0");
		free(out->reply);
		out->reply = xstrdup("temporary local problem, try again later");
	}
	return -1;
}
