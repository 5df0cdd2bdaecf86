/*
 * nullfilter.c -- a libmilter filter that does nothing: the protocol limit
 *
 * SYNOPSIS
 *	nullfilter [-e] [-n] [-r] -p socket
 *
 * DESCRIPTION
 *	Accepts every message and inserts one header field at the top
 *	("Authentication-Results: nullfilter; none", the size of a short
 *	A-R), so the benchmark (tests/bench/run.sh) measures what libmilter
 *	and the wire protocol cost with no work in the callbacks.
 *
 *	By default it registers the callbacks a DMARC filter needs, so the
 *	MTA sends it the same events as dmarcd: connect, HELO, MAIL, RCPT,
 *	DATA, each header field and end of message, with the same reply
 *	discipline: header fields and RCPT need no reply (SMFIP_NR_HDR,
 *	SMFIP_NR_RCPT), end of header and the body are declined (SMFIP_NOEOH,
 *	SMFIP_NOBODY).  -r asks for end of header and a reply to every
 *	event, as OpenDMARC does.  -e registers only end of
 *	message: the bare minimum of round trips.
 *
 *	TCP_NODELAY is set on a TCP listening socket as dmarcd does
 *	(accepted sockets inherit it on Linux); -n leaves Nagle on, to show
 *	the stall OpenDMARC has on TCP.  Runs in the foreground until SIGTERM
 *	or SIGINT (libmilter's signal handling).
 *
 * EXIT STATUS
 *	0 after a clean stop, 1 on a set-up error, 2 on a usage error.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define NULL_HEADER	"Authentication-Results"
#define NULL_VALUE	"nullfilter; none"

/* cont - the callback of every event but end of message */
static sfsistat
cont(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* cb_connect - continue */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	return cont(ctx);
}

/*
 * nr - SMFIS_NOREPLY where that event's reply was negotiated away (the
 * private pointer holds the negotiated SMFIP_NR_* bits, plus 1 so that
 * it is not NULL); libmilter logs an error for SMFIS_CONTINUE there
 */
static sfsistat
nr(SMFICTX *ctx, unsigned long flag)
{
	uintptr_t bits = (uintptr_t)smfi_getpriv(ctx);

	return (bits & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_mail - continue */
static sfsistat
cb_mail(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return cont(ctx);
}

/* cb_rcpt - continue (no reply when so negotiated) */
static sfsistat
cb_rcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return nr(ctx, SMFIP_NR_RCPT);
}

/* cb_helo - continue */
static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return cont(ctx);
}

/* cb_header - continue (no reply when so negotiated) */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return nr(ctx, SMFIP_NR_HDR);
}

/* cb_eom - one header at the top, accept */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	(void)smfi_insheader(ctx, 0, NULL_HEADER, NULL_VALUE);
	return SMFIS_ACCEPT;
}

static unsigned long noreply = SMFIP_NR_HDR | SMFIP_NR_RCPT;
static unsigned long noeoh = SMFIP_NOEOH;

/* cb_close - forget the negotiated bits (libmilter warns otherwise) */
static sfsistat
cb_close(SMFICTX *ctx)
{
	(void)smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* cb_negotiate - the actions we need; no body; no replies dmarcd skips */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & (SMFIP_NOUNKNOWN | noeoh | SMFIP_NOBODY | noreply);
	(void)smfi_setpriv(ctx, (void *)(uintptr_t)((*pf1 & noreply) | 1));
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc nullfilter = {
	.xxfi_name = "nullfilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_mail,
	.xxfi_envrcpt = cb_rcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_data = cont,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};

/* nodelay - TCP_NODELAY on every listening TCP socket we hold */
static void
nodelay(void)
{
	struct dirent *de;
	DIR *d;
	int fd, on = 1, acc;
	socklen_t len;
	struct sockaddr_storage ss;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		acc = 0;
		len = sizeof(acc);
		if (de->d_name[0] == '.' || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) != 0 ||
		    !acc)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof(on));
	}
	closedir(d);
}

/* usage - the synopsis, exit 2 */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: nullfilter [-e] [-n] [-r] -p socket\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	char spec[512];
	int ch, nagle = 0;

	while ((ch = getopt(argc, argv, "enp:r")) != -1) {
		switch (ch) {
		case 'e':
			nullfilter.xxfi_connect = NULL;
			nullfilter.xxfi_helo = NULL;
			nullfilter.xxfi_envfrom = NULL;
			nullfilter.xxfi_envrcpt = NULL;
			nullfilter.xxfi_header = NULL;
			nullfilter.xxfi_data = NULL;
			break;
		case 'n': nagle = 1; break;
		case 'p': sock = optarg; break;
		case 'r': noreply = noeoh = 0; break;
		default: usage();
		}
	}
	if (sock == NULL || optind != argc)
		usage();
	/* libmilter says local: where Postfix and dmarcd accept unix: */
	if (strncmp(sock, "unix:", 5) == 0)
		snprintf(spec, sizeof(spec), "local:%s", sock + 5);
	else
		snprintf(spec, sizeof(spec), "%s", sock);
	if (smfi_setconn(spec) != MI_SUCCESS ||
	    smfi_register(nullfilter) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullfilter: cannot listen on %s\n", sock);
		return 1;
	}
	if (!nagle)
		nodelay();
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
