/*
 * histfile.c -- append one record to the history file
 *
 * SYNOPSIS
 *	int outcome_commit(const struct dmarcd_cfg *c, const struct msg *m,
 *	    struct outcome *out);
 *
 * DESCRIPTION
 *	The file is opened with O_APPEND, locked with flock(2) per record
 *	(opendmarc-import takes a shared lock while it reads) and written
 *	with one write(2) of the whole record, so a reader never sees half
 *	a record from a live writer.  A regular file stays open between
 *	messages, one descriptor for all threads (a mutex orders them:
 *	flock(2) cannot, the lock belongs to the shared open file).  Once
 *	the lock is held, stat(2) on the path checks that it still names
 *	the open file; when it was renamed for rotation or removed meanwhile
 *	(or the configured path changed) the file is opened afresh.  So a
 *	record never lands in a file rotated away while it waited for the
 *	lock, which the former open per message could not promise, and a
 *	record costs four system calls (flock, stat, write, flock) instead
 *	of eight.  The file's size after our last record is kept: while the
 *	size is still that, the file ends in our newline and its tail need
 *	not be read.  Anything but a regular file (a FIFO, a device) is
 *	opened and closed per record as before.  The record is in the file (the kernel's page cache)
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
#include <pthread.h>
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

/* The history file kept open (see the file header); all under mu. */
static struct {
	pthread_mutex_t	 mu;
	int		 fd;		/* -1: none open */
	char		*path;		/* the path it was opened as */
	dev_t		 dev;		/* the file it is */
	ino_t		 ino;
	off_t		 end;		/* its size after our last record */
} hist = { PTHREAD_MUTEX_INITIALIZER, -1, NULL, 0, 0, -1 };

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

/* hist_close - forget the open file */
static void
hist_close(void)
{
	if (hist.fd >= 0)
		(void)close(hist.fd);
	hist.fd = -1;
	free(hist.path);
	hist.path = NULL;
	hist.end = -1;
}

/*
 * hist_fd - the history file for path: the one kept open while the
 * configured path is the same, else opened; a file that is not regular
 * is opened for this record only (*keep = 0).  -1 on error.
 */
static int
hist_fd(const char *path, int *keep)
{
	struct stat st;
	int fd;

	*keep = 1;
	if (hist.fd >= 0 && strcmp(hist.path, path) == 0)
		return hist.fd;
	hist_close();
	if ((fd = open_history(path)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*keep = 0;
		return fd;
	}
	hist.fd = fd;
	hist.path = xstrdup(path);
	hist.dev = st.st_dev;
	hist.ino = st.st_ino;
	return fd;
}

/*
 * still_there - under the lock: path still names the file kept open
 * (not renamed or removed meanwhile); its size into *size
 */
static int
still_there(const char *path, off_t *size)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_dev != hist.dev ||
	    st.st_ino != hist.ino)
		return 0;
	*size = st.st_size;
	return 1;
}

/*
 * write_locked - the record in one write, the lock held and the file's
 * size known; a short write is an error and is cut off again, so the
 * next record never continues a torn line; a torn line left by a crash
 * (or by another writer) is cut off first (mend_tail) unless the file
 * still ends where our last record did.  Opened for reading too:
 * mend_tail reads the tail with pread(2)
 */
static int
write_locked(int fd, const char *path, const char *rec, size_t len,
    off_t size, int regular, int keep)
{
	struct iovec iov[2];
	ssize_t n;
	size_t want;
	int saved, nl = 0, niov = 0;

	if (regular && !(keep && size == hist.end))
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
	if (n >= 0 && (size_t)n != want && regular &&
	    ftruncate(fd, size) != 0)
		log_warn("cannot cut a torn record off %s", path);
	if (keep)
		hist.end = n >= 0 && (size_t)n == want ? size + (off_t)n : -1;
	if (n < 0 || (size_t)n != want) {
		errno = n < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

/*
 * locked_write - lock fd, check it is still the file at path (else 1:
 * open it afresh and try again), write the record, unlock
 */
static int
locked_write(int fd, const char *path, const char *rec, size_t len,
    int keep)
{
	struct stat st;
	off_t size;
	int rc, saved;

	if (flock(fd, LOCK_EX) != 0)
		return -1;
	if (keep && !still_there(path, &size)) {
		(void)flock(fd, LOCK_UN);
		return 1;
	}
	if (!keep && fstat(fd, &st) != 0)
		rc = -1;
	else
		rc = write_locked(fd, path, rec, len, keep ? size : st.st_size,
		    keep || S_ISREG(st.st_mode), keep);
	saved = errno;
	(void)flock(fd, LOCK_UN);
	errno = saved;
	return rc;
}

/*
 * append - the record to the file at path (see the file header).  The
 * path is checked after the lock is taken: dmarc-import --rotate
 * renames the file, imports it, and removes it holding the lock, so a
 * record that waited for that lock goes to the new file at the path,
 * never into the one removed.  On an error the file is closed, so the
 * next record opens it afresh.
 */
static int
append(const char *path, const char *rec, size_t len)
{
	int fd, keep, rc = 1, saved, tries;

	pthread_mutex_lock(&hist.mu);
	for (tries = 0; rc == 1 && tries < 4; tries++) {
		if ((fd = hist_fd(path, &keep)) < 0) {
			rc = -1;
			break;
		}
		rc = locked_write(fd, path, rec, len, keep);
		saved = errno;
		if (!keep && close(fd) != 0 && rc == 0) {
			saved = errno;
			rc = -1;
		}
		if (keep && rc != 0)
			hist_close();
		errno = saved;
	}
	if (rc == 1) {		/* renamed under us four times running */
		rc = -1;
		errno = EAGAIN;
	}
	pthread_mutex_unlock(&hist.mu);
	return rc;
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
