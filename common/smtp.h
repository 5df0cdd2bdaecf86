/*
 * smtp.h -- send one message through the configured relay (libesmtp)
 *
 * SYNOPSIS
 *	struct smtp_conf sc;
 *	smtp_conf_init(&sc, conf, err, sizeof(err));	(SMTP* keys)
 *	r = smtp_send(&sc, "dmarc@example.org", rcpts, nrcpts, msg, len,
 *	    err, sizeof(err));
 *	smtp_conf_clear(&sc);
 *
 * DESCRIPTION
 *	Used by dmarc-reports (aggregate reports) and by dmarcd's failure
 *	report worker.  msg is a complete RFC 5322 message with CRLF or LF
 *	line ends.  STARTTLS and AUTH as configured (SMTPStartTLS, SMTPUser,
 *	SMTPPasswordFile); every network step is bounded by timeout_s.
 *	Thread-safe: each call makes its own session.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>

struct conf;

enum smtp_tls {
	SMTP_TLS_NO,
	SMTP_TLS_OPPORTUNISTIC,
	SMTP_TLS_REQUIRED
};

struct smtp_conf {
	char		*server;	/* host name or address */
	int		 port;
	enum smtp_tls	 starttls;
	char		*user;		/* NULL: no AUTH */
	char		*password;	/* read from SMTPPasswordFile */
	char		*helo;		/* NULL: the host name */
	int		 timeout_s;	/* per network step */
};

/* smtp_send results */
#define SMTP_OK		0	/* accepted for every recipient */
#define SMTP_TEMP	(-1)	/* nothing or not all accepted; retry later */
#define SMTP_PERM	(-2)	/* permanent rejection (5xx) for every
				   recipient; do not retry */

int	smtp_conf_init(struct smtp_conf *sc, const struct conf *c, char *err,
	    size_t errlen);
void	smtp_conf_clear(struct smtp_conf *sc);
int	smtp_send(const struct smtp_conf *sc, const char *envfrom,
	    const char *const *rcpts, size_t nrcpts, const char *msg,
	    size_t len, char *err, size_t errlen);

#endif
