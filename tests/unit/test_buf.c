/*
 * test_buf.c -- libdmarc's bounded buffer and string helpers (buf.c)
 *
 * DESCRIPTION
 *	Includes the regression found by fuzzing authres.c and rspf.c:
 *	dm_buf_take() of a buffer nothing was added to returned storage
 *	without a terminating NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "libdmarc/internal.h"
#include "tests/tap.h"

int
main(void)
{
	struct dm_buf b;
	char *s, small[4];
	size_t len = 99;
	int i;

	dm_buf_init(&b, 0);
	s = dm_buf_take(&b, &len);
	CHECK(s != NULL && s[0] == '\0', "empty take is a terminated string");
	CHECK_INT(len, 0, "empty take has length 0");
	free(s);

	dm_buf_init(&b, 0);
	CHECK(dm_buf_add(&b, "", 0) == DMARC_OK, "adding nothing works");
	s = dm_buf_take(&b, &len);
	CHECK(s != NULL && s[0] == '\0' && len == 0, "zero-length add, take");
	free(s);

	dm_buf_init(&b, 8);
	CHECK(dm_buf_adds(&b, "abcdefgh") == DMARC_OK, "fill to the cap");
	CHECK(dm_buf_addc(&b, 'x') == DMARC_ETOOBIG, "one more is ETOOBIG");
	CHECK(dm_buf_adds(&b, "") == DMARC_ETOOBIG, "errors are sticky");
	CHECK(dm_buf_take(&b, NULL) == NULL, "take after an error fails");
	dm_buf_free(&b);

	dm_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		dm_buf_printf(&b, "%d,", i);
	s = dm_buf_take(&b, &len);
	CHECK(s != NULL && len == strlen(s) && strncmp(s, "0,1,2,", 6) == 0 &&
	    strcmp(s + len - 4, "999,") == 0, "growth keeps every byte");
	free(s);

	CHECK_INT(dm_strlcpy(small, "abcdef", sizeof(small)), 6,
	    "strlcpy returns the source length");
	CHECK_STR(small, "abc", "strlcpy truncates and terminates");
	CHECK(dm_strcaseeq("ExAmple.COM", "example.com"), "strcaseeq");
	CHECK(!dm_strcaseeq("example.co", "example.com"), "strcaseeq length");
	CHECK(dm_strncaseeq("PASSxyz", 4, "pass"), "strncaseeq prefix length");
	CHECK(!dm_strncaseeq("PAS", 3, "pass"), "strncaseeq short");
	return tap_done();
}
