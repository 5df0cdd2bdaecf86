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
 *	live writer.  The record is in the file (the kernel's page cache)
 *	before cb_eom returns and libmilter sends the reply, so a dmarcd
 *	killed at any moment has written the record of every message whose
 *	final reply the MTA saw (a machine crash can still lose what was
 *	not yet on disk: there is no fsync per message).  A short write is
 *	cut off again.  A file that does not end in a newline ends in a line
 *	torn by a crash in mid-write: that partial line is cut off before
 *	our record (logged once), so a torn record never glues onto the
 *	next and no value cut short passes for a whole one; dmarc-import
 *	then skips the torn record as incomplete.  Should no newline be
 *	found in the last HIST_SCAN bytes, only the line is ended, and so
 *	it is in a file dmarcd may write but not read (each record then
 *	follows a newline: at worst an empty line, which parsers skip).
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

#define HIST_SCAN	(128 * 1024)	/* > libdmarc's longest line */

/*
 * line_end - the size of fd up to and including its last newline within
 * the last HIST_SCAN bytes (0 when the whole file has none); -1 when
 * there is none within that window or pread fails
 */
static off_t
line_end(int fd, off_t size)
{
	char buf[4096];
	off_t pos = size, lim = size > HIST_SCAN ? size - HIST_SCAN : 0;
	size_t n;

	while (pos > lim) {
		n = pos - lim < (off_t)sizeof(buf) ? (size_t)(pos - lim) :
		    sizeof(buf);
		pos -= (off_t)n;
		if (pread(fd, buf, n, pos) != (ssize_t)n)
			return -1;
		while (n > 0)
			if (buf[--n] == '\n')
				return pos + (off_t)n + 1;
	}
	return lim == 0 ? 0 : -1;
}

/*
 * mend_tail - a file not ending in a newline: cut its torn last line off
 * (see the file header); returns the new size, and sets *nl when the
 * line could not be cut and must be ended before our record
 */
static off_t
mend_tail(int fd, const char *path, off_t size, int *nl)
{
	char last;
	off_t end;

	*nl = 0;
	if (size == 0)
		return size;
	if (pread(fd, &last, 1, size - 1) != 1) {
		*nl = 1;	/* write-only: a blank line at worst */
		return size;
	}
	if (last == '\n')
		return size;
	if ((end = line_end(fd, size)) >= 0 && ftruncate(fd, end) == 0) {
		log_warnx("%s ended in a torn line (a crash while writing?): "
		    "%lld bytes cut off", path, (long long)(size - end));
		return end;
	}
	log_warnx("%s does not end in a newline: line ended", path);
	*nl = 1;
	return size;
}

/*
 * open_history - a regular file (or a new one) read-write, for
 * mend_tail's pread(2); write-only when reading is not permitted, and
 * anything else (a FIFO, a device) write-only as before
 */
static int
open_history(const char *path)
{
	struct stat st;
	int fd, flags = O_APPEND | O_CREAT | O_CLOEXEC;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return open(path, O_WRONLY | flags, 0644);
	if ((fd = open(path, O_RDWR | flags, 0644)) >= 0 || errno != EACCES)
		return fd;
	return open(path, O_WRONLY | flags, 0644);
}

/*
 * append - the record in one locked write; a short write is an error and
 * is cut off again, so the next record never continues a torn line; a
 * torn line left by a crash is cut off first (mend_tail).  Opened for
 * reading too: mend_tail reads the tail with pread(2)
 */
static int
append(const char *path, const char *rec, size_t len)
{
	struct iovec iov[2];
	struct stat st;
	ssize_t n;
	size_t want;
	off_t size;
	int fd, saved, nl = 0, niov = 0;

	if ((fd = open_history(path)) < 0)
		return -1;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	size = st.st_size;
	if (S_ISREG(st.st_mode))
		size = mend_tail(fd, path, size, &nl);
	if (nl) {
		iov[niov].iov_base = (void *)"\n";
		iov[niov++].iov_len = 1;
	}
	iov[niov].iov_base = (void *)rec;
	iov[niov++].iov_len = len;
	want = len + (niov == 2);
	n = writev(fd, iov, niov);
	saved = errno;
	if (n >= 0 && (size_t)n != want && S_ISREG(st.st_mode) &&
	    ftruncate(fd, size) != 0)
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
