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
 *	live writer.  A short write is cut off again and a file that does
 *	not end in a newline gets one first, so a torn record never glues
 *	onto the next (dmarc-import then skips only the torn one).
 *	A failed open or write is logged with the reason and,
 *	by default, tempfails the message (as OpenDMARC: losing report data
 *	silently is worse); HistoryFailureAction accept keeps the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

/* ends_in_newline - 1 when the file is empty or its last byte is '\n' */
static int
ends_in_newline(int fd, off_t size)
{
	char last;

	if (size == 0)
		return 1;
	return pread(fd, &last, 1, size - 1) == 1 && last == '\n';
}

/*
 * append - the record in one locked write; a short write is an error and
 * is cut off again, so the next record never continues a torn line; a
 * file left without its final newline (by another writer, or a crash)
 * gets one before our record
 */
static int
append(const char *path, const char *rec, size_t len)
{
	struct iovec iov[2];
	struct stat st;
	ssize_t n;
	size_t want;
	int fd, saved, niov = 0;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return -1;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (S_ISREG(st.st_mode) && !ends_in_newline(fd, st.st_size)) {
		iov[niov].iov_base = (void *)"\n";
		iov[niov++].iov_len = 1;
	}
	iov[niov].iov_base = (void *)rec;
	iov[niov++].iov_len = len;
	want = len + (niov == 2);
	n = writev(fd, iov, niov);
	saved = errno;
	if (n >= 0 && (size_t)n != want && S_ISREG(st.st_mode) &&
	    ftruncate(fd, st.st_size) != 0)
		log_warn("cannot cut a torn record off %s", path);
	(void)flock(fd, LOCK_UN);
	if (close(fd) != 0 && n >= 0) {
		saved = errno;
		n = -1;
	}
	if (n < 0 || (size_t)n != want) {
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
