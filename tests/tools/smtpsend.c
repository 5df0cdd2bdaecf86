/*
 * smtpsend -- send one message with common/smtp.c, for tests
 *
 * SYNOPSIS
 *	smtpsend [-v] [-c dmarcd.conf] [-t timeout_s] -f envfrom rcpt...
 *	    <message
 *
 * DESCRIPTION
 *	Loads the SMTP* keys from the configuration file (defaults without
 *	-c), reads the message from standard input and calls smtp_send()
 *	once.  Prints "OK", "TEMP reason" or "PERM reason" on standard
 *	output.  -v turns debug logging (standard error) on.
 *
 * EXIT STATUS
 *	0 SMTP_OK, 1 SMTP_TEMP, 2 SMTP_PERM, 3 on a usage or setup error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "smtp.h"
#include "xmalloc.h"

/* read_all - standard input into a new buffer */
static char *
read_all(size_t *len)
{
	size_t cap = 4096, n = 0, r;
	char *buf = xmalloc(cap);

	while ((r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	*len = n;
	return buf;
}

/* usage - print the synopsis and exit 3 */
static void
usage(void)
{
	fprintf(stderr, "usage: smtpsend [-v] [-c conf] [-t timeout_s] "
	    "-f envfrom rcpt...\n");
	exit(3);
}

int
main(int argc, char *argv[])
{
	const char *cfile = NULL, *from = NULL;
	struct smtp_conf sc;
	struct conf *c;
	char err[512];
	size_t len;
	char *msg;
	int ch, rc, timeout = 0;

	while ((ch = getopt(argc, argv, "c:f:t:v")) != -1) {
		switch (ch) {
		case 'c':
			cfile = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'v':
			log_verbose(1);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (from == NULL || argc < 1)
		usage();
	if ((c = conf_load(cfile, CONF_DMARCD, err, sizeof(err))) == NULL) {
		fprintf(stderr, "smtpsend: %s\n", err);
		return 3;
	}
	if (smtp_conf_init(&sc, c, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtpsend: %s\n", err);
		conf_free(c);
		return 3;
	}
	if (timeout > 0)
		sc.timeout_s = timeout;
	msg = read_all(&len);
	rc = smtp_send(&sc, from, (const char *const *)argv, (size_t)argc,
	    msg, len, err, sizeof(err));
	if (rc == SMTP_OK)
		printf("OK\n");
	else
		printf("%s %s\n", rc == SMTP_PERM ? "PERM" : "TEMP", err);
	free(msg);
	smtp_conf_clear(&sc);
	conf_free(c);
	return rc == SMTP_OK ? 0 : rc == SMTP_PERM ? 2 : 1;
}
