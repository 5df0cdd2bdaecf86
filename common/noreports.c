/*
 * noreports.c -- the NoReportsList reader and matcher (see noreports.h)
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "noreports.h"
#include "xmalloc.h"

#define NR_LINE		1024

/* noreports_add - one entry (address or domain), lower-cased */
void
noreports_add(struct noreports *nr, const char *entry)
{
	size_t i, len;
	char *e;

	while (isspace((unsigned char)*entry))
		entry++;
	if (strncasecmp(entry, "mailto:", 7) == 0)
		entry += 7;
	for (len = 0; entry[len] != '\0' &&
	    !isspace((unsigned char)entry[len]); len++)
		continue;
	while (len > 0 && entry[len - 1] == '.')
		len--;
	if (len == 0)
		return;
	e = xstrndup(entry, len);
	for (i = 0; i < len; i++)
		e[i] = (char)tolower((unsigned char)e[i]);
	if (nr->n == nr->cap) {
		nr->cap = nr->cap ? nr->cap * 2 : 16;
		nr->e = xreallocarray(nr->e, nr->cap, sizeof(*nr->e));
	}
	nr->e[nr->n++] = e;
}

/* noreports_load - read the NoReportsList file (NULL path: empty list) */
struct noreports *
noreports_load(const char *path, char *err, size_t errlen)
{
	struct noreports *nr = xcalloc(1, sizeof(*nr));
	char line[NR_LINE];
	FILE *fp;

	if (path == NULL)
		return nr;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "NoReportsList %s: %s", path,
		    strerror(errno));
		noreports_free(nr);
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "#\r\n")] = '\0';
		noreports_add(nr, line);
		if (nr->n > NOREPORTS_MAX) {
			snprintf(err, errlen, "NoReportsList %s: more than "
			    "%d entries", path, NOREPORTS_MAX);
			fclose(fp);
			noreports_free(nr);
			return NULL;
		}
	}
	fclose(fp);
	return nr;
}

/* is_under - name equals dom or is a subdomain of it */
static int
is_under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	return strcasecmp(name, dom) == 0 || (n > d &&
	    name[n - d - 1] == '.' && strcasecmp(name + n - d, dom) == 0);
}

/* noreports_match - addr is listed, or its domain or a parent of it */
int
noreports_match(const struct noreports *nr, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; nr != NULL && i < nr->n; i++) {
		if (strchr(nr->e[i], '@') != NULL) {
			if (strcasecmp(nr->e[i], addr) == 0)
				return 1;
		} else if (at != NULL && is_under(at + 1, nr->e[i]))
			return 1;
	}
	return 0;
}

/* noreports_free - release the list; NULL is fine */
void
noreports_free(struct noreports *nr)
{
	size_t i;

	if (nr == NULL)
		return;
	for (i = 0; i < nr->n; i++)
		free(nr->e[i]);
	free(nr->e);
	free(nr);
}
