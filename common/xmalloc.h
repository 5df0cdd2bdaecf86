/*
 * xmalloc.h -- allocation that never returns NULL, for programs only
 *
 * DESCRIPTION
 *	Programs (not libdmarc) call these; on exhaustion they log and exit,
 *	so callers carry no allocation-failure paths (the Postfix mymalloc
 *	rule).  libdmarc itself returns DMARC_ENOMEM instead.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
/* xstrlcpy - strlcpy: returns strlen(src), always terminates */
size_t	 xstrlcpy(char *dst, const char *src, size_t size);

#endif
