/*
 * test_record.c -- table-driven tests of the DMARC record parser
 *
 * DESCRIPTION
 *	Covers the record examples of standards.md (TV4, TV6-TV9, D-05..D-09,
 *	D-44, D-45), OpenDMARC's 19 test_dmarc_parse records re-expressed as
 *	they should be handled (compat 7.1), the leniencies we refuse
 *	(compat 6.3), size-suffix units and overflow, both profiles, caps,
 *	embedded NUL and input that is not NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

#define BOTH	(-1)	/* run the row under both profiles */
#define R	DMARC_P_REJECT
#define Q	DMARC_P_QUARANTINE
#define N	DMARC_P_NONE
#define U	DMARC_P_UNSET

/* parse - copy txt into an exact-size heap buffer (ASan sees overreads) */
static int
parse(const char *txt, size_t len, enum dmarc_profile prof,
    struct dmarc_record **out)
{
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	if (copy == NULL)
		return DMARC_ENOMEM;
	memcpy(copy, txt, len);
	rc = dmarc_record_parse(copy, len, prof, out);
	free(copy);
	return rc;
}

/* Status of whole records: is it DMARC at all? */
static const struct {
	const char	*txt;
	int		 status;
} status_cases[] = {
	/* OpenDMARC test_dmarc_parse rows 6 and 7 */
	{ "", DMARC_ENOTDMARC },
	{ "V=BOB", DMARC_ENOTDMARC },
	/* compat 6.3: leniencies refused */
	{ "p=reject", DMARC_ENOTDMARC },
	{ "p=reject; v=DMARC1", DMARC_ENOTDMARC },		/* TV8 b */
	{ "foo v=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "spf1 include:x; v=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "xv=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "v=dmarc1; p=reject", DMARC_ENOTDMARC },		/* TV8 a */
	{ "v=DMARC10; p=reject", DMARC_ENOTDMARC },
	{ "v=DMARC1p=reject", DMARC_ENOTDMARC },
	{ "v=DMARC1 p=reject", DMARC_ENOTDMARC },
	{ "v=DMARC; p=reject", DMARC_ENOTDMARC },
	{ "v; p=reject", DMARC_ENOTDMARC },
	{ "=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "vv=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "v=\"DMARC1\"; p=reject", DMARC_ENOTDMARC },
	{ ";v=DMARC1; p=reject", DMARC_ENOTDMARC },
	{ "v=spf1 -all", DMARC_ENOTDMARC },
	/* accepted */
	{ "V=DMARC1; p=reject", DMARC_OK },			/* TV8 c */
	{ "v=DMARC1", DMARC_OK },
	{ "v=DMARC1;", DMARC_OK },
	{ "  v = DMARC1 ;p=none", DMARC_OK },
	{ "v\t=\tDMARC1\t;\tp\t=\treject\t;\t", DMARC_OK },
	{ "v=DMARC1; p=reject", DMARC_OK },			/* TV6: each */
};

/* Flags and policies, raw and effective (D-07, D-09). */
static const struct pcase {
	const char	*txt;
	int		 prof;		/* BOTH or a profile */
	int		 p, sp, np;	/* raw fields */
	unsigned	 want;		/* flags that must be set */
	unsigned	 deny;		/* flags that must be clear */
	int		 usable;
	int		 ep, esp, enp;	/* effective */
} pol_cases[] = {
	/* OpenDMARC test_dmarc_parse 1-5, 8-19, done right */
	{ "v=DMARC1; p=none; rf=afrf; rua=mailto:dmarc-a@abuse.net; "
	  "ruf=mailto:dmarc-f@abuse.net", DMARC_RFC7489, N, U, U,
	  0, DMARC_RF_BAD_RUA | DMARC_RF_BAD_RUF | DMARC_RF_HISTORIC,
	  1, N, N, N },
	{ "v=DMARC1; p=none; rf=afrf; rua=mailto:dmarc-a@abuse.net; "
	  "ruf=mailto:dmarc-f@abuse.net", DMARC_RFC9989, N, U, U,
	  DMARC_RF_HISTORIC, DMARC_RF_BAD_RF, 1, N, N, N },
	{ "v=DMARC1; p=none;", BOTH, N, U, U, 0, ~0u, 1, N, N, N },
	{ "v=DMARC1; p=reject;", BOTH, R, U, U, 0, ~0u, 1, R, R, R },
	{ "v=DMARC1; p=quarantine;", BOTH, Q, U, U, 0, ~0u, 1, Q, Q, Q },
	{ "v=DMARC1; p=n;", BOTH, U, U, U, DMARC_RF_BAD_P, DMARC_RF_NO_P,
	  0, U, U, U },
	{ "v=DMARC1; p=bob;", BOTH, U, U, U, DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=none; sp=bob;", BOTH, N, U, U, DMARC_RF_BAD_SP, 0,
	  0, U, U, U },
	{ "v=DMARC1; p=none; adkim=bob;", BOTH, N, U, U, DMARC_RF_BAD_ADKIM,
	  0, 1, N, N, N },
	{ "v=DMARC1; p=none; aspf=bob;", BOTH, N, U, U, DMARC_RF_BAD_ASPF,
	  0, 1, N, N, N },
	{ "v=DMARC1; p=none; rf=bob;", BOTH, N, U, U, DMARC_RF_BAD_RF, 0,
	  1, N, N, N },
	{ "v=DMARC1; p=none; ri=bob;", BOTH, N, U, U, DMARC_RF_BAD_RI, 0,
	  1, N, N, N },
	{ "v=DMARC1; p=none; pct=500;", BOTH, N, U, U, DMARC_RF_BAD_PCT, 0,
	  1, N, N, N },
	{ "v=DMARC1; pct=100;", BOTH, U, U, U, DMARC_RF_NO_P, DMARC_RF_BAD_P,
	  0, U, U, U },
	{ "v=DMARC1; p=none; rua=ftp://abuse.com", BOTH, N, U, U, 0,
	  DMARC_RF_BAD_RUA, 1, N, N, N },
	{ "v=DMARC1; p=none; ruf=mailto://abuse.com", BOTH, N, U, U,
	  DMARC_RF_BAD_RUF, 0, 1, N, N, N },
	{ "v=DMARC1; p=none; ruf=mailto://abuse.com; foo=bar; buzz=happy;",
	  BOTH, N, U, U, DMARC_RF_BAD_RUF | DMARC_RF_UNKNOWN_TAG, 0,
	  1, N, N, N },
	{ "v=DMARC1; p=none; rf=000000000000000000000000000000000", BOTH,
	  N, U, U, DMARC_RF_BAD_RF, 0, 1, N, N, N },
	/* prefixes are not keywords (compat 6.3) */
	{ "v=DMARC1; p=rej", BOTH, U, U, U, DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=rejects", BOTH, U, U, U, DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=reject; sp=q", BOTH, R, U, U, DMARC_RF_BAD_SP, 0,
	  0, U, U, U },
	/* keywords and names in any case */
	{ "v=DMARC1; p=Reject; SP=QUARANTINE", BOTH, R, Q, U, 0, ~0u,
	  1, R, Q, Q },
	{ "V=DMARC1; P=REJECT", BOTH, R, U, U, 0, ~0u, 1, R, R, R },
	/* TV4 and the sp/np defaults */
	{ "v=DMARC1; p=reject; sp=quarantine; np=none", BOTH, R, Q, N, 0, ~0u,
	  1, R, Q, N },
	{ "v=DMARC1; p=reject; np=none", BOTH, R, U, N, 0, ~0u, 1, R, R, N },
	{ "v=DMARC1; p=none; sp=reject", BOTH, N, R, U, 0, ~0u, 1, N, R, R },
	/* any tag order; p need not follow v */
	{ "v=DMARC1; rua=mailto:a@example.com; p=quarantine", BOTH, Q, U, U,
	  0, ~0u, 1, Q, Q, Q },
	/* TV7 and D-09 */
	{ "v=DMARC1; rua=mailto:a@example.com", BOTH, U, U, U, DMARC_RF_NO_P,
	  DMARC_RF_BAD_P, 1, N, N, N },
	{ "v=DMARC1; p=bogus", BOTH, U, U, U, DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=bogus; rua=mailto:a@example.com", BOTH, U, U, U,
	  DMARC_RF_BAD_P, 0, 1, N, N, N },
	{ "v=DMARC1; p=bogus; rua=mailto:no-at-sign", BOTH, U, U, U,
	  DMARC_RF_BAD_P | DMARC_RF_BAD_RUA, 0, 0, U, U, U },
	{ "v=DMARC1; p=reject; sp=bogus; rua=mailto:a@example.com", BOTH,
	  R, U, U, DMARC_RF_BAD_SP, 0, 1, N, N, N },
	{ "v=DMARC1; p=reject; np=bogus", DMARC_RFC9989, R, U, U,
	  DMARC_RF_BAD_NP, 0, 0, U, U, U },
	{ "v=DMARC1; p=reject; np=bogus; rua=mailto:a@example.com",
	  DMARC_RFC9989, R, U, U, DMARC_RF_BAD_NP, 0, 1, N, N, N },
	{ "v=DMARC1; p=reject; sp=quarantine; np=bogus", DMARC_RFC7489,
	  R, Q, U, DMARC_RF_BAD_NP, 0, 1, R, Q, Q },
	{ "v=DMARC1; p=reject; rua=mailto:bad", BOTH, R, U, U,
	  DMARC_RF_BAD_RUA, 0, 1, R, R, R },
	/* empty value: syntax error, default (D-08) */
	{ "v=DMARC1; p=; rua=mailto:a@example.com", BOTH, U, U, U,
	  DMARC_RF_SYNTAX | DMARC_RF_BAD_P, DMARC_RF_NO_P, 1, N, N, N },
	{ "v=DMARC1; p=reject; sp=", BOTH, R, U, U,
	  DMARC_RF_SYNTAX | DMARC_RF_BAD_SP, 0, 0, U, U, U },
	/* duplicates: first wins, valid or not */
	{ "v=DMARC1; p=reject; p=none", BOTH, R, U, U, DMARC_RF_DUP_TAG, 0,
	  1, R, R, R },
	{ "v=DMARC1; p=bogus; p=none", BOTH, U, U, U,
	  DMARC_RF_DUP_TAG | DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=reject; v=DMARC1", BOTH, R, U, U, DMARC_RF_DUP_TAG, 0,
	  1, R, R, R },
	{ "v=DMARC1; p=reject; P=none", BOTH, R, U, U, DMARC_RF_DUP_TAG, 0,
	  1, R, R, R },
	/* malformed segments are skipped */
	{ "v=DMARC1; p=reject;; sp=none", BOTH, R, N, U, DMARC_RF_SYNTAX, 0,
	  1, R, N, N },
	{ "v=DMARC1; p=reject; bogus", BOTH, R, U, U, DMARC_RF_SYNTAX, 0,
	  1, R, R, R },
	{ "v=DMARC1; p=reject; 1x=2", BOTH, R, U, U, DMARC_RF_SYNTAX,
	  DMARC_RF_UNKNOWN_TAG, 1, R, R, R },
	{ "v=DMARC1; p=reject; ; ", BOTH, R, U, U, DMARC_RF_SYNTAX, 0,
	  1, R, R, R },
	{ "v=DMARC1; p=reject ;  ", BOTH, R, U, U, 0, DMARC_RF_SYNTAX,
	  1, R, R, R },
	{ "v=DMARC1; p=re ject", BOTH, U, U, U, DMARC_RF_BAD_P, 0, 0, U, U, U },
	{ "v=DMARC1; p=r\xc3\xa9ject", BOTH, U, U, U,
	  DMARC_RF_BAD_P | DMARC_RF_SYNTAX, 0, 0, U, U, U },
	/* historic tags are flagged only under RFC 9989 */
	{ "v=DMARC1; p=none; pct=50; ri=3600", DMARC_RFC9989, N, U, U,
	  DMARC_RF_HISTORIC, DMARC_RF_BAD_PCT, 1, N, N, N },
	{ "v=DMARC1; p=none; pct=50; ri=3600", DMARC_RFC7489, N, U, U, 0,
	  DMARC_RF_HISTORIC, 1, N, N, N },
	/* TV9 */
	{ "v=DMARC1; rua=mailto:r@ext.example!10m; p=none", BOTH, N, U, U,
	  DMARC_RF_SIZE_SUFFIX, DMARC_RF_BAD_RUA, 1, N, N, N },
};

enum field { F_PSD, F_T, F_ADKIM, F_ASPF, F_FO, F_PCT, F_PCTSET, F_RF,
	F_RI, F_FLAGS };

/* Individual fields and their defaults. */
static const struct fcase {
	const char	*txt;
	int		 prof;
	enum field	 f;
	unsigned long	 want;
} field_cases[] = {
	{ "v=DMARC1; p=none", BOTH, F_PSD, 'u' },
	{ "v=DMARC1; p=none", BOTH, F_T, 0 },
	{ "v=DMARC1; p=none", BOTH, F_ADKIM, 'r' },
	{ "v=DMARC1; p=none", BOTH, F_ASPF, 'r' },
	{ "v=DMARC1; p=none", BOTH, F_FO, DMARC_FO_0 },
	{ "v=DMARC1; p=none", BOTH, F_PCT, 100 },
	{ "v=DMARC1; p=none", BOTH, F_PCTSET, 0 },
	{ "v=DMARC1; p=none", BOTH, F_RF, 1 },
	{ "v=DMARC1; p=none", BOTH, F_RI, 86400 },
	{ "v=DMARC1; p=none; psd=y", BOTH, F_PSD, 'y' },
	{ "v=DMARC1; p=none; psd=N", BOTH, F_PSD, 'n' },
	{ "v=DMARC1; p=none; psd=yes", BOTH, F_PSD, 'u' },
	{ "v=DMARC1; p=none; psd=yes", BOTH, F_FLAGS, DMARC_RF_BAD_PSD },
	{ "v=DMARC1; p=none; t=y", BOTH, F_T, 1 },
	{ "v=DMARC1; p=none; t=Y", BOTH, F_T, 1 },
	{ "v=DMARC1; p=none; t=n", BOTH, F_T, 0 },
	{ "v=DMARC1; p=none; t=yes", BOTH, F_T, 0 },
	{ "v=DMARC1; p=none; t=yes", BOTH, F_FLAGS, DMARC_RF_BAD_T },
	{ "v=DMARC1; p=none; adkim=s", BOTH, F_ADKIM, 's' },
	{ "v=DMARC1; p=none; adkim=S", BOTH, F_ADKIM, 's' },
	{ "v=DMARC1; p=none; adkim=strict", BOTH, F_ADKIM, 'r' },
	{ "v=DMARC1; p=none; aspf=s", BOTH, F_ASPF, 's' },
	{ "v=DMARC1; p=none; aspf=relaxed", BOTH, F_ASPF, 'r' },
	/* compat 6.3: rf=iodef must not touch aspf */
	{ "v=DMARC1; p=none; aspf=s; rf=iodef", DMARC_RFC7489, F_ASPF, 's' },
	{ "v=DMARC1; p=none; rf=iodef", DMARC_RFC7489, F_ASPF, 'r' },
	{ "v=DMARC1; p=none; rf=iodef", DMARC_RFC7489, F_FLAGS,
	  DMARC_RF_BAD_RF },
	{ "v=DMARC1; p=none; rf=AFRF", DMARC_RFC7489, F_RF, 1 },
	{ "v=DMARC1; p=none; rf=afrf,iodef", DMARC_RFC7489, F_FLAGS,
	  DMARC_RF_BAD_RF },
	/* fo */
	{ "v=DMARC1; p=none; fo=1; ruf=mailto:f@example.com", BOTH, F_FO,
	  DMARC_FO_1 },
	{ "v=DMARC1; p=none; fo=d:s; ruf=mailto:f@example.com", BOTH, F_FO,
	  DMARC_FO_D | DMARC_FO_S },
	{ "v=DMARC1; p=none; fo = 1 : D ; ruf=mailto:f@example.com", BOTH,
	  F_FO, DMARC_FO_1 | DMARC_FO_D },
	{ "v=DMARC1; p=none; fo=0:1; ruf=mailto:f@example.com", DMARC_RFC7489,
	  F_FO, DMARC_FO_0 | DMARC_FO_1 },
	{ "v=DMARC1; p=none; fo=0:1; ruf=mailto:f@example.com", DMARC_RFC9989,
	  F_FO, DMARC_FO_0 },
	{ "v=DMARC1; p=none; fo=0:1; ruf=mailto:f@example.com", DMARC_RFC9989,
	  F_FLAGS, DMARC_RF_BAD_FO },
	{ "v=DMARC1; p=none; fo=1:x; ruf=mailto:f@example.com", BOTH, F_FO,
	  DMARC_FO_0 },
	{ "v=DMARC1; p=none; fo=1:; ruf=mailto:f@example.com", BOTH, F_FLAGS,
	  DMARC_RF_BAD_FO },
	{ "v=DMARC1; p=none; fo=ds; ruf=mailto:f@example.com", BOTH, F_FLAGS,
	  DMARC_RF_BAD_FO },
	{ "v=DMARC1; p=none; fo=1", BOTH, F_FLAGS, DMARC_RF_FO_NO_RUF },
	{ "v=DMARC1; p=none; fo=1", BOTH, F_FO, DMARC_FO_1 },
	/* pct, honoured only under RFC 7489 */
	{ "v=DMARC1; p=none; pct=50", DMARC_RFC7489, F_PCT, 50 },
	{ "v=DMARC1; p=none; pct=50", DMARC_RFC7489, F_PCTSET, 1 },
	{ "v=DMARC1; p=none; pct=0", DMARC_RFC7489, F_PCT, 0 },
	{ "v=DMARC1; p=none; pct= 7 ", DMARC_RFC7489, F_PCT, 7 },
	{ "v=DMARC1; p=none; pct=50", DMARC_RFC9989, F_PCT, 100 },
	{ "v=DMARC1; p=none; pct=50", DMARC_RFC9989, F_PCTSET, 0 },
	{ "v=DMARC1; p=none; pct=101", DMARC_RFC7489, F_PCT, 100 },
	{ "v=DMARC1; p=none; pct=101", DMARC_RFC7489, F_PCTSET, 0 },
	{ "v=DMARC1; p=none; pct=-1", BOTH, F_FLAGS, DMARC_RF_BAD_PCT },
	{ "v=DMARC1; p=none; pct=0050", BOTH, F_FLAGS, DMARC_RF_BAD_PCT },
	{ "v=DMARC1; p=none; pct=50%", BOTH, F_FLAGS, DMARC_RF_BAD_PCT },
	/* ri */
	{ "v=DMARC1; p=none; ri=3600", DMARC_RFC7489, F_RI, 3600 },
	{ "v=DMARC1; p=none; ri=3600", DMARC_RFC9989, F_RI, 86400 },
	{ "v=DMARC1; p=none; ri=4294967295", DMARC_RFC7489, F_RI, 4294967295UL },
	{ "v=DMARC1; p=none; ri=4294967296", DMARC_RFC7489, F_RI, 86400 },
	{ "v=DMARC1; p=none; ri=99999999999999999999999", BOTH, F_FLAGS,
	  DMARC_RF_BAD_RI },
	{ "v=DMARC1; p=none; ri=-5", BOTH, F_FLAGS, DMARC_RF_BAD_RI },
};

/* rua URIs: the suffix, validity and the list (D-44, D-45). */
static const struct ucase {
	const char	*rua;		/* value of rua= */
	size_t		 n;		/* URIs kept */
	size_t		 idx;		/* which one to look at */
	const char	*uri;
	const char	*raw;
	uint64_t	 max_size;
	int		 valid;
	int		 mailto;
} uri_cases[] = {
	{ "mailto:r@ext.example!10m", 1, 0, "mailto:r@ext.example",
	  "mailto:r@ext.example!10m", 10ULL << 20, 1, 1 },
	{ "mailto:a@example.com!1k", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!1k", 1024, 1, 1 },
	{ "mailto:a@example.com!5M", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!5M", 5ULL << 20, 1, 1 },
	{ "mailto:a@example.com!2g", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!2g", 2ULL << 30, 1, 1 },
	{ "mailto:a@example.com!3t", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!3t", 3ULL << 40, 1, 1 },
	{ "mailto:a@example.com!512", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!512", 512, 1, 1 },
	{ "mailto:a@example.com!16777215t", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!16777215t", 16777215ULL << 40, 1, 1 },
	{ "mailto:a@example.com!18446744073709551615", 1, 0,
	  "mailto:a@example.com", "mailto:a@example.com!18446744073709551615",
	  UINT64_MAX, 1, 1 },
	/* 64-bit overflow and malformed suffixes: URI invalid */
	{ "mailto:a@example.com!16777216t", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!16777216t", 0, 0, 1 },
	{ "mailto:a@example.com!18446744073709551616", 1, 0,
	  "mailto:a@example.com", "mailto:a@example.com!18446744073709551616",
	  0, 0, 1 },
	{ "mailto:a@example.com!99999999999999999999999k", 1, 0,
	  "mailto:a@example.com", "mailto:a@example.com!99999999999999999999999k",
	  0, 0, 1 },
	{ "mailto:a@example.com!10x", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!10x", 0, 0, 1 },
	{ "mailto:a@example.com!", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!", 0, 0, 1 },
	{ "mailto:a@example.com!m", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!m", 0, 0, 1 },
	{ "mailto:a@example.com!10m!", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com!10m!", 0, 0, 1 },
	/* lists are trimmed */
	{ "mailto:a@example.com, mailto:b@example.net", 2, 1,
	  "mailto:b@example.net", "mailto:b@example.net", 0, 1, 1 },
	{ "  mailto:a@example.com ,\tmailto:b@example.net  ", 2, 0,
	  "mailto:a@example.com", "mailto:a@example.com", 0, 1, 1 },
	{ ",mailto:a@example.com", 1, 0, "mailto:a@example.com",
	  "mailto:a@example.com", 0, 1, 1 },
	/* schemes and addr-specs */
	{ "MAILTO:a@example.com", 1, 0, "MAILTO:a@example.com",
	  "MAILTO:a@example.com", 0, 1, 1 },
	{ "https://reports.example/dmarc", 1, 0, "https://reports.example/dmarc",
	  "https://reports.example/dmarc", 0, 1, 0 },
	{ "x-foo+bar.1:opaque", 1, 0, "x-foo+bar.1:opaque",
	  "x-foo+bar.1:opaque", 0, 1, 0 },
	{ "mailto:a@example.com?subject=dmarc", 1, 0,
	  "mailto:a@example.com?subject=dmarc",
	  "mailto:a@example.com?subject=dmarc", 0, 1, 1 },
	{ "mailto:a@example.com.", 1, 0, "mailto:a@example.com.",
	  "mailto:a@example.com.", 0, 1, 1 },
	{ "mailto:a@b@example.com", 1, 0, "mailto:a@b@example.com",
	  "mailto:a@b@example.com", 0, 0, 1 },
	{ "mailto:@example.com", 1, 0, "mailto:@example.com",
	  "mailto:@example.com", 0, 0, 1 },
	{ "mailto:a@", 1, 0, "mailto:a@", "mailto:a@", 0, 0, 1 },
	{ "mailto:", 1, 0, "mailto:", "mailto:", 0, 0, 1 },
	{ "mailto:a@bad_domain.example", 1, 0, "mailto:a@bad_domain.example",
	  "mailto:a@bad_domain.example", 0, 0, 1 },
	{ "mailto:a@example..com", 1, 0, "mailto:a@example..com",
	  "mailto:a@example..com", 0, 0, 1 },
	{ "mailto://abuse.com", 1, 0, "mailto://abuse.com",
	  "mailto://abuse.com", 0, 0, 1 },
	{ "1http://x.example", 1, 0, "1http://x.example", "1http://x.example",
	  0, 0, 0 },
	{ "abuse@example.com", 1, 0, "abuse@example.com", "abuse@example.com",
	  0, 0, 0 },
	{ "mailto:a b@example.com", 1, 0, "mailto:a b@example.com",
	  "mailto:a b@example.com", 0, 0, 1 },
};

/* check_status - one status row under one profile */
static void
check_status(size_t i, enum dmarc_profile prof)
{
	struct dmarc_record *rec = NULL;
	const char *t = status_cases[i].txt;
	char what[256];
	int rc;

	rc = parse(t, strlen(t), prof, &rec);
	snprintf(what, sizeof(what), "status [%s] (%s)", t,
	    prof == DMARC_RFC9989 ? "9989" : "7489");
	CHECK_INT(rc, status_cases[i].status, what);
	CHECK(rc == DMARC_OK ? rec != NULL : rec == NULL, "out set iff OK: %s",
	    what);
	dmarc_record_free(rec);
}

/* check_policy - one policy row under one profile */
static void
check_policy(const struct pcase *c, enum dmarc_profile prof)
{
	struct dmarc_record *rec = NULL;
	char what[512];
	int rc;

	snprintf(what, sizeof(what), "[%s] (%s)", c->txt,
	    prof == DMARC_RFC9989 ? "9989" : "7489");
	rc = parse(c->txt, strlen(c->txt), prof, &rec);
	if (!CHECK(rc == DMARC_OK && rec != NULL, "parses: %s", what))
		return;
	CHECK(rec->p == (enum dmarc_policy)c->p &&
	    rec->sp == (enum dmarc_policy)c->sp &&
	    rec->np == (enum dmarc_policy)c->np, "raw p/sp/np %d/%d/%d: %s",
	    rec->p, rec->sp, rec->np, what);
	CHECK((rec->flags & c->want) == c->want &&
	    (rec->flags & c->deny & ~c->want) == 0, "flags 0x%x: %s",
	    rec->flags, what);
	CHECK_INT(dmarc_record_usable(rec), c->usable, what);
	CHECK(dmarc_record_p(rec) == (enum dmarc_policy)c->ep &&
	    dmarc_record_sp(rec) == (enum dmarc_policy)c->esp &&
	    dmarc_record_np(rec) == (enum dmarc_policy)c->enp,
	    "effective %d/%d/%d: %s", dmarc_record_p(rec),
	    dmarc_record_sp(rec), dmarc_record_np(rec), what);
	dmarc_record_free(rec);
}

/* field_value - the field a row names */
static unsigned long
field_value(const struct dmarc_record *rec, enum field f)
{
	switch (f) {
	case F_PSD:	return (unsigned long)rec->psd;
	case F_T:	return (unsigned long)rec->t;
	case F_ADKIM:	return (unsigned long)(unsigned char)rec->adkim;
	case F_ASPF:	return (unsigned long)(unsigned char)rec->aspf;
	case F_FO:	return rec->fo;
	case F_PCT:	return (unsigned long)rec->pct;
	case F_PCTSET:	return (unsigned long)rec->pct_set;
	case F_RF:	return rec->rf;
	case F_RI:	return rec->ri;
	default:	return rec->flags;
	}
}

/* check_field - one field row under one profile */
static void
check_field(const struct fcase *c, enum dmarc_profile prof)
{
	struct dmarc_record *rec = NULL;
	unsigned long got;
	char what[512];

	snprintf(what, sizeof(what), "field %d [%s] (%s)", (int)c->f, c->txt,
	    prof == DMARC_RFC9989 ? "9989" : "7489");
	if (!CHECK(parse(c->txt, strlen(c->txt), prof, &rec) == DMARC_OK,
	    "parses: %s", what))
		return;
	got = field_value(rec, c->f);
	if (c->f == F_FLAGS)
		CHECK((got & c->want) == c->want, "flags 0x%lx: %s", got, what);
	else
		CHECK_INT(got, c->want, what);
	dmarc_record_free(rec);
}

/* check_uri - one rua row (the suffix is parsed under both profiles) */
static void
check_uri(const struct ucase *c, enum dmarc_profile prof)
{
	struct dmarc_record *rec = NULL;
	const struct dmarc_uri *u;
	char txt[512], what[600];

	snprintf(txt, sizeof(txt), "v=DMARC1; p=none; rua=%s", c->rua);
	snprintf(what, sizeof(what), "[%s] (%s)", txt,
	    prof == DMARC_RFC9989 ? "9989" : "7489");
	if (!CHECK(parse(txt, strlen(txt), prof, &rec) == DMARC_OK &&
	    rec->nrua == c->n, "parses with %zu URIs: %s", c->n, what)) {
		dmarc_record_free(rec);
		return;
	}
	u = &rec->rua[c->idx];
	CHECK(strcmp(u->uri, c->uri) == 0 && strcmp(u->raw, c->raw) == 0,
	    "uri \"%s\" raw \"%s\": %s", u->uri, u->raw, what);
	CHECK(u->max_size == c->max_size && u->valid == c->valid &&
	    u->mailto == c->mailto, "size %llu valid %d mailto %d: %s",
	    (unsigned long long)u->max_size, u->valid, u->mailto, what);
	CHECK(((rec->flags & DMARC_RF_BAD_RUA) != 0) ==
	    (!c->valid || c->rua[0] == ','), "BAD_RUA flag: %s", what);
	CHECK(dmarc_record_has_valid_rua(rec) == c->valid ||
	    c->n > 1, "has_valid_rua: %s", what);
	dmarc_record_free(rec);
}

/* test_caps - DMARC_MAXRECORD and DMARC_MAXURIS */
static void
test_caps(void)
{
	static char buf[DMARC_MAXRECORD + 2];
	struct dmarc_record *rec = NULL;
	size_t n;
	int rc;

	n = (size_t)snprintf(buf, sizeof(buf), "v=DMARC1; p=reject; x=");
	memset(buf + n, 'a', sizeof(buf) - n);
	rc = parse(buf, DMARC_MAXRECORD, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->p == R &&
	    (rec->flags & DMARC_RF_UNKNOWN_TAG), "record of exactly MAXRECORD");
	dmarc_record_free(rec);
	rec = NULL;
	rc = parse(buf, DMARC_MAXRECORD + 1, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_ETOOBIG && rec == NULL, "MAXRECORD+1 is ETOOBIG");

	/* 17 URIs: 16 kept, flag */
	n = (size_t)snprintf(buf, sizeof(buf), "v=DMARC1; p=none; rua=");
	for (rc = 0; rc < DMARC_MAXURIS + 1; rc++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "%smailto:r%d@example.com", rc ? "," : "", rc);
	rc = parse(buf, n, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->nrua == DMARC_MAXURIS &&
	    (rec->flags & DMARC_RF_TOO_MANY_URIS) &&
	    strcmp(rec->rua[DMARC_MAXURIS - 1].uri, "mailto:r15@example.com")
	    == 0, "too many URIs: first 16 kept and flagged");
	dmarc_record_free(rec);
	rec = NULL;

	/* a long record of many tags, most unknown, one duplicate p */
	n = (size_t)snprintf(buf, sizeof(buf), "v=DMARC1; p=quarantine");
	while (n + 16 < DMARC_MAXRECORD)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; abc=def");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; p=none");
	rc = parse(buf, n, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->p == Q &&
	    (rec->flags & DMARC_RF_DUP_TAG), "long record, late duplicate p");
	dmarc_record_free(rec);
}

/* test_bytes - NUL inside, no terminator, NULL arguments */
static void
test_bytes(void)
{
	static const char nul1[] = "v=DMARC1; p=reject\0; sp=none";
	static const char nul2[] = "v=DMARC1\0; p=reject";
	static const char nul3[] = "v=DMARC1; p=none; rua=mailto:a@ex\0ample.com";
	static const char unterminated[] = "v=DMARC1; p=rejectXYZ";
	struct dmarc_record *rec = NULL;
	int rc;

	rc = parse(nul1, sizeof(nul1) - 1, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->p == U && rec->sp == N &&
	    (rec->flags & (DMARC_RF_SYNTAX | DMARC_RF_BAD_P)) ==
	    (DMARC_RF_SYNTAX | DMARC_RF_BAD_P), "NUL inside p value");
	dmarc_record_free(rec);
	rec = NULL;
	rc = parse(nul2, sizeof(nul2) - 1, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_ENOTDMARC && rec == NULL, "NUL inside version");
	rc = parse(nul3, sizeof(nul3) - 1, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->nrua == 0 &&
	    (rec->flags & DMARC_RF_BAD_RUA) && dmarc_record_usable(rec),
	    "NUL inside rua: the tag is bad, p stands");
	dmarc_record_free(rec);
	rec = NULL;
	rc = parse(unterminated, sizeof(unterminated) - 4, DMARC_RFC9989, &rec);
	CHECK(rc == DMARC_OK && rec->p == R, "length bounds the input");
	dmarc_record_free(rec);
	rec = NULL;

	CHECK_INT(dmarc_record_parse("v=DMARC1", 8, DMARC_RFC9989, NULL),
	    DMARC_EINVAL, "NULL out");
	CHECK_INT(dmarc_record_parse(NULL, 0, DMARC_RFC9989, &rec),
	    DMARC_ENOTDMARC, "NULL text, length 0");
	CHECK_INT(dmarc_record_parse(NULL, 5, DMARC_RFC9989, &rec),
	    DMARC_EINVAL, "NULL text, length 5");
	CHECK_INT(dmarc_record_parse("v=DMARC1", 8, (enum dmarc_profile)7,
	    &rec), DMARC_EINVAL, "unknown profile");
	dmarc_record_free(NULL);
	CHECK(dmarc_record_usable(NULL) == 0 && dmarc_record_p(NULL) == U &&
	    dmarc_record_sp(NULL) == U && dmarc_record_np(NULL) == U &&
	    dmarc_record_has_valid_rua(NULL) == 0, "NULL record accessors");
}

/* test_ruf - ruf lists and fo interplay */
static void
test_ruf(void)
{
	static const char t[] = "v=DMARC1; p=none; fo=1; ruf=mailto:f@example.com"
	    "!20k, https://x.example/r";
	static const char dup[] = "v=DMARC1; p=none; rua=mailto:a@example.com;"
	    " rua=mailto:b@example.com";
	struct dmarc_record *rec = NULL;

	CHECK(parse(t, sizeof(t) - 1, DMARC_RFC7489, &rec) == DMARC_OK &&
	    rec->nruf == 2 && rec->ruf[0].max_size == 20 * 1024 &&
	    rec->ruf[0].mailto && !rec->ruf[1].mailto && rec->ruf[1].valid &&
	    !(rec->flags & (DMARC_RF_FO_NO_RUF | DMARC_RF_BAD_RUF)) &&
	    rec->nrua == 0 && !dmarc_record_has_valid_rua(rec),
	    "ruf list with size, fo with ruf");
	dmarc_record_free(rec);
	rec = NULL;
	CHECK(parse(dup, sizeof(dup) - 1, DMARC_RFC9989, &rec) == DMARC_OK &&
	    rec->nrua == 1 && strcmp(rec->rua[0].uri, "mailto:a@example.com")
	    == 0 && (rec->flags & DMARC_RF_DUP_TAG),
	    "second rua tag is a duplicate, not an error");
	dmarc_record_free(rec);
}

int
main(void)
{
	size_t i;
	int p;

	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++)
		for (p = DMARC_RFC9989; p <= DMARC_RFC7489; p++)
			check_status(i, (enum dmarc_profile)p);
	for (i = 0; i < sizeof(pol_cases) / sizeof(pol_cases[0]); i++)
		for (p = DMARC_RFC9989; p <= DMARC_RFC7489; p++)
			if (pol_cases[i].prof == BOTH || pol_cases[i].prof == p)
				check_policy(&pol_cases[i], (enum dmarc_profile)p);
	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++)
		for (p = DMARC_RFC9989; p <= DMARC_RFC7489; p++)
			if (field_cases[i].prof == BOTH || field_cases[i].prof == p)
				check_field(&field_cases[i], (enum dmarc_profile)p);
	for (i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++)
		for (p = DMARC_RFC9989; p <= DMARC_RFC7489; p++)
			check_uri(&uri_cases[i], (enum dmarc_profile)p);
	test_caps();
	test_bytes();
	test_ruf();
	return tap_done();
}
