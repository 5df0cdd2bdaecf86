/*
 * maildir.c -- a Maildir as input: new/ then cur/, and where each message
 * goes once it is done
 *
 * DESCRIPTION
 *	Messages are read in name order.  By default they stay where they
 *	are (a test mode for free).  With --archive[=Prefix] each one moves
 *	into a Maildir++ folder of the same Maildir named after what it held:
 *	.Prefix.Aggregate, .Prefix.Failure, .Prefix.TLS or .Prefix.Invalid
 *	(created when missing; the message lands in its cur/, flagged seen
 *	when it came from new/).  With --delete a message holding reports is
 *	removed instead (an invalid one still goes to .Prefix.Invalid when
 *	archiving, and stays otherwise).  A message whose reports a sink
 *	failed to save (database down) is never moved or removed, so the
 *	next run retries it (parsedmarc #242: save before archive).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_main.h"
#include "log.h"
#include "xmalloc.h"

static const char *const folder[] = { "Aggregate", "Failure", "TLS" };

/* is_dir - path/name is a directory */
static int
is_dir(const char *path, const char *name)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", path, name);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* is_maildir - has cur/, new/ and tmp/ */
int
is_maildir(const char *dir)
{
	return is_dir(dir, "cur") && is_dir(dir, "new") && is_dir(dir, "tmp");
}

/* mkfolder - root/.name with cur, new and tmp; -1 on failure */
static int
mkfolder(const char *root, const char *name)
{
	static const char *const sub[] = { "", "/cur", "/new", "/tmp" };
	char p[4096];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/.%s%s", root, name, sub[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			log_warn("%s", p);
			return -1;
		}
	}
	return 0;
}

/* dispose - move or remove one message after it was read */
static void
dispose(struct ingest_run *run, const char *root, const char *sub,
    const char *name, int what)
{
	char src[4096], dst[4096], fname[512];
	const char *kind;

	if (what == INPUT_UNSAVED)
		return;
	snprintf(src, sizeof(src), "%s/%s/%s", root, sub, name);
	if (run->delete && what != INPUT_INVALID) {
		if (unlink(src) != 0)
			log_warn("%s", src);
		return;
	}
	if (run->archive == NULL)
		return;
	kind = what == INPUT_INVALID ? "Invalid" : folder[what];
	snprintf(fname, sizeof(fname), "%s.%s", run->archive, kind);
	if (mkfolder(root, fname) != 0)
		return;
	snprintf(dst, sizeof(dst), "%s/.%s/cur/%s%s", root, fname, name,
	    strcmp(sub, "new") == 0 && strchr(name, ':') == NULL ? ":2,S" :
	    "");
	if (rename(src, dst) != 0)
		log_warn("%s -> %s", src, dst);
}

/* namecmp - qsort order of file names */
static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names - the sorted file names of a directory */
static char **
names(const char *dir, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), namecmp);
	return v;
}

/* maildir - every message of new/ and cur/ */
void
maildir(struct ingest_run *run, const char *dir)
{
	static const char *const subs[] = { "new", "cur" };
	char path[4096], **v;
	const char *err;
	size_t i, j, n, len;
	char *p;
	int what;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		v = names(path, &n);
		for (j = 0; j < n; j++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, subs[i],
			    v[j]);
			if ((p = read_file(path, &len, &err)) == NULL) {
				run->inputs++;
				run->invalid++;
				sink_invalid(run, path, err);
			} else {
				what = one_input(run, path, p, len);
				free(p);
				if (sinks_flush(run) != 0 &&
				    what != INPUT_INVALID)
					what = INPUT_UNSAVED;
				dispose(run, dir, subs[i], v[j], what);
			}
			free(v[j]);
		}
		free(v);
	}
}
