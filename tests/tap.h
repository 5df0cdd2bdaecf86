/*
 * tap.h -- the smallest test harness that can count
 *
 * SYNOPSIS
 *	#include "tap.h"
 *	CHECK(cond, "format", ...);
 *	CHECK_STR(got, want, "what");
 *	CHECK_INT(got, want, "what");
 *	return tap_done();
 *
 * DESCRIPTION
 *	Every check prints "ok N - what" or "not ok N - what" with the values
 *	that differed, and tap_done() prints "N passed, N failed" and returns
 *	the exit status automake's test driver expects (0, or 1 on any
 *	failure).  Header-only so each test program is one file.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_pass, tap_fail;

__attribute__((format(printf, 2, 3)))
static int
tap_check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", tap_pass + tap_fail + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		tap_pass++;
	else
		tap_fail++;
	return ok;
}

#define CHECK(cond, ...) tap_check(!!(cond), __VA_ARGS__)

#define CHECK_INT(got, want, what) do {					\
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);	\
	if (!tap_check(tap_g_ == tap_w_, "%s", (what)))			\
		printf("#   got %lld, want %lld\n", tap_g_, tap_w_);	\
} while (0)

#define CHECK_STR(got, want, what) do {					\
	const char *tap_g_ = (got), *tap_w_ = (want);			\
	int tap_ok_ = (tap_g_ == NULL && tap_w_ == NULL) ||		\
	    (tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0); \
	if (!tap_check(tap_ok_, "%s", (what)))				\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
} while (0)

static int
tap_done(void)
{
	printf("%u passed, %u failed\n", tap_pass, tap_fail);
	return tap_fail == 0 ? 0 : 1;
}

#endif /* TAP_H */
