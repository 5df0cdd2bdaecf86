/*
 * imap.h -- dmarc-ingest's IMAP input: the URL it is given and the session
 * that reads (and, with IDLE, waits on) one mailbox
 *
 * SYNOPSIS
 *	struct imap_url u;
 *	imap_url_parse("imaps://dmarc@mail.example.org/INBOX", &u, why, n);
 *	imap_input(run, "imaps://dmarc@mail.example.org/INBOX");
 *
 * DESCRIPTION
 *	imap_url_parse() is pure (no I/O) and fuzzed: it splits an RFC 5092
 *	style URL, imap[s]://user@host[:port][/mailbox], percent-decoding the
 *	user and the mailbox.  A password in the URL is refused (it would
 *	show in ps(1)); it comes from --password-file.
 *
 *	imap_input() (imap.c) reads every message of the mailbox, sends its
 *	reports to the sinks and then moves, deletes or leaves it as
 *	--archive/--delete say; with --idle it then waits with IDLE for new
 *	messages until SIGTERM or SIGINT.
 */
#ifndef INGEST_IMAP_H
#define INGEST_IMAP_H

#include <stddef.h>
#include <stdint.h>

struct ingest_run;

struct imap_url {
	int		 tls;		/* imaps:// (TLS from the start) */
	uint16_t	 port;
	char		 user[256];
	char		 host[256];	/* without the [] of an IPv6 literal */
	char		 mailbox[512];	/* INBOX when the URL has none */
};

/* The IMAP options of the command line. */
struct imap_conf {
	const char	*passfile;	/* --password-file */
	const char	*cafile;	/* --ca-file: trust anchors */
	int		 idle;		/* --idle */
	int		 plaintext;	/* --no-starttls: never STARTTLS */
	int		 noverify;	/* --insecure: no certificate check */
	long		 timeout;	/* --timeout: seconds per network step */
	size_t		 maxsize;	/* --max-size: bytes per message */
};

#define IMAP_TIMEOUT	60
#define IMAP_MAXSIZE	(64u << 20)

/* imap_url_parse - split an imap[s]:// URL; 0, or -1 with a reason */
int	imap_url_parse(const char *s, struct imap_url *u, char *why,
	    size_t whylen);
/* imap_is_url - s starts with imap:// or imaps:// */
int	imap_is_url(const char *s);
/* imap_is_loopback - host names this machine (no DNS asked) */
int	imap_is_loopback(const char *host);
/* imap_input - one mailbox; failures are counted in run */
void	imap_input(struct ingest_run *run, const struct imap_conf *c,
	    const char *url);
/* imap_stopped - SIGTERM or SIGINT arrived while reading a mailbox */
int	imap_stopped(void);
/* imap_verify_chain - imaptls.c: the peer's DER chain against the trust
   anchors (system or cafile) and host; 0, or -1 with a reason */
struct _mailstream;
int	imap_verify_chain(struct _mailstream *s, const char *host,
	    const char *cafile, char *why, size_t whylen);

#endif
