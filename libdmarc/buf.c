/*
 * buf.c -- a growable byte buffer with a hard cap, and bounded string helpers
 *
 * DESCRIPTION
 *	Every parser in libdmarc builds its output through struct dm_buf so
 *	that length checks live in one place.  Errors are sticky: after the
 *	first failure further appends do nothing and return the same error,
 *	so callers may check once at the end.
 *
 * WHY A FILE OF ITS OWN
 *	The ancestors used fixed 256/1024-byte arrays and lost or truncated
 *	data at those limits; one bounded buffer type replaces them all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* dm_buf_init - empty buffer that will never grow past cap bytes */
void
dm_buf_init(struct dm_buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : (size_t)DMARC_MAXHDR * 16;
}

/* grow - make room for need more bytes plus the terminator */
static int
grow(struct dm_buf *b, size_t need)
{
	size_t nsize;
	char *n;

	if (b->err)
		return b->err;
	if (need > b->cap - b->len)
		return b->err = DMARC_ETOOBIG;
	if (b->len + need + 1 <= b->size)
		return DMARC_OK;
	nsize = b->size ? b->size : 64;
	while (nsize < b->len + need + 1)
		nsize *= 2;
	if ((n = realloc(b->data, nsize)) == NULL)
		return b->err = DMARC_ENOMEM;
	b->data = n;
	b->size = nsize;
	return DMARC_OK;
}

/* dm_buf_add - append len bytes */
int
dm_buf_add(struct dm_buf *b, const char *p, size_t len)
{
	int rc;

	if ((rc = grow(b, len)) != DMARC_OK)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return DMARC_OK;
}

/* dm_buf_addc - append one byte */
int
dm_buf_addc(struct dm_buf *b, char c)
{
	return dm_buf_add(b, &c, 1);
}

/* dm_buf_adds - append a C string */
int
dm_buf_adds(struct dm_buf *b, const char *s)
{
	return dm_buf_add(b, s, strlen(s));
}

/* dm_buf_printf - append formatted text */
int
dm_buf_printf(struct dm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err = DMARC_EINVAL;
	if ((rc = grow(b, (size_t)n)) != DMARC_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return DMARC_OK;
}

/* dm_buf_take - hand the contents to the caller (never NULL on success) */
char *
dm_buf_take(struct dm_buf *b, size_t *len)
{
	char *p;

	if (b->err)
		return NULL;
	if (b->data == NULL && grow(b, 0) != DMARC_OK)
		return NULL;
	b->data[b->len] = '\0';	/* grow() alone does not terminate */
	p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->size = 0;
	return p;
}

/* dm_buf_free - release the contents */
void
dm_buf_free(struct dm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

/* dm_strndup - bounded copy */
char *
dm_strndup(const char *p, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* dm_strlcpy - copy with truncation, always terminated */
size_t
dm_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/* dm_tolower - ASCII only, whatever the locale */
int
dm_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* dm_strcaseeq - ASCII case-insensitive equality of C strings */
int
dm_strcaseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (dm_tolower((unsigned char)*a) != dm_tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* dm_strncaseeq - a[0..alen) equals C string b, ignoring ASCII case */
int
dm_strncaseeq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (b[i] == '\0' ||
		    dm_tolower((unsigned char)a[i]) != dm_tolower((unsigned char)b[i]))
			return 0;
	return b[alen] == '\0';
}

/* dm_lowercase - fold a C string to ASCII lower case in place */
void
dm_lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)dm_tolower((unsigned char)*s);
}
