/*
 * internal.h -- helpers shared by libdmarc's modules, never installed
 *
 * DESCRIPTION
 *	A growable byte buffer with a hard cap (buf.c), bounded string
 *	helpers and ASCII case helpers that ignore the locale.  Nothing here
 *	logs or exits; allocation failure is reported to the caller.
 */
#ifndef DMARC_INTERNAL_H
#define DMARC_INTERNAL_H

#include <stddef.h>
#include "dmarc.h"

#define DM_HIDDEN __attribute__((visibility("hidden")))

/* Growable buffer: len bytes used, always NUL-terminated when data != NULL */
struct dm_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
	size_t	 cap;		/* hard limit on len; 0 means DMARC_MAXHDR*16 */
	int	 err;		/* sticky: DMARC_ENOMEM or DMARC_ETOOBIG */
};

DM_HIDDEN void	dm_buf_init(struct dm_buf *b, size_t cap);
DM_HIDDEN int	dm_buf_add(struct dm_buf *b, const char *p, size_t len);
DM_HIDDEN int	dm_buf_addc(struct dm_buf *b, char c);
DM_HIDDEN int	dm_buf_adds(struct dm_buf *b, const char *s);
DM_HIDDEN int	dm_buf_printf(struct dm_buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
DM_HIDDEN char	*dm_buf_take(struct dm_buf *b, size_t *len);
DM_HIDDEN void	dm_buf_free(struct dm_buf *b);

/* dm_strndup - copy p[0..len) as a NUL-terminated string, NULL on ENOMEM */
DM_HIDDEN char	*dm_strndup(const char *p, size_t len);
/* dm_strlcpy - BSD strlcpy: returns strlen(src), always terminates */
DM_HIDDEN size_t dm_strlcpy(char *dst, const char *src, size_t size);
DM_HIDDEN int	dm_tolower(int c);
DM_HIDDEN int	dm_strcaseeq(const char *a, const char *b);
DM_HIDDEN int	dm_strncaseeq(const char *a, size_t alen, const char *b);
DM_HIDDEN void	dm_lowercase(char *s);

#endif /* DMARC_INTERNAL_H */
