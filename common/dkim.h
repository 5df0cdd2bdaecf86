/*
 * dkim.h -- DKIM verification (RFC 6376) through libopendkim and our resolver
 *
 * SYNOPSIS
 *	struct dkimv *dv = dkimv_new(resolver, err, sizeof(err));
 *	struct dkimv_msg *vm = dkimv_msg_new(dv, jobid);
 *	dkimv_msg_header(vm, "From", " a@example.com", 14);	(each field)
 *	dkimv_msg_eoh(vm);
 *	dkimv_msg_body(vm, chunk, len);				(each chunk)
 *	n = dkimv_msg_eom(vm, results, DMARC_MAXDKIM);
 *	dkimv_msg_free(vm);
 *	dkimv_free(dv);
 *
 * DESCRIPTION
 *	One DKIM_LIB serves all threads (libopendkim keeps per-message state
 *	in its DKIM handles only).  Its DNS hooks send every key lookup to
 *	struct resolver, so DKIM shares the resolver's cache and deadline
 *	and a zone file drives it in tests.  The resolver must outlive the
 *	struct dkimv, and a struct dkimv its messages.
 *
 *	The prefix is dkimv_ because libopendkim owns the dkim_ names.
 */
#ifndef DKIM_H
#define DKIM_H

#include <stddef.h>

#include "dmarc.h"
#include "resolver.h"

/*
 * Signatures verified per message, in header order (topmost first).
 * Each costs a DNS lookup with the full DNS deadline; the rest are
 * ignored (logged at debug level).  OpenDKIM's own default is 3.
 */
#define DKIMV_MAXSIGS	10

struct dkimv;
struct dkimv_msg;

/* dkimv_new - the shared library handle bound to r; NULL + err on failure */
struct dkimv	*dkimv_new(struct resolver *r, char *err, size_t errlen);
void		 dkimv_free(struct dkimv *dv);

/* dkimv_msg_new - a verifier for one message; jobid names it in logs */
struct dkimv_msg *dkimv_msg_new(struct dkimv *dv, const char *jobid);
void		 dkimv_msg_free(struct dkimv_msg *vm);
/* dkimv_msg_setid - the job id for our log lines (MTAs assign it late) */
void		 dkimv_msg_setid(struct dkimv_msg *vm, const char *jobid);

/*
 * dkimv_msg_header - one header field in received order.  value is
 * everything after the colon, verbatim (its leading space included,
 * folding as CRLF or LF).  Fields after dkimv_msg_eoh() are ignored.
 */
void		 dkimv_msg_header(struct dkimv_msg *vm, const char *name,
		    const char *value, size_t vlen);
/* dkimv_msg_eoh - end of header; nonzero when the message has signatures */
int		 dkimv_msg_eoh(struct dkimv_msg *vm);
/* dkimv_msg_body - a body chunk (CRLF or LF line ends) */
void		 dkimv_msg_body(struct dkimv_msg *vm, const unsigned char *p,
		    size_t len);
/*
 * dkimv_msg_eom - verify every signature (at most DKIMV_MAXSIGS) and
 * write one result per signature that names a valid d= into out (at
 * most max): result pass, fail, neutral, policy, temperror or
 * permerror (RFC 8601 2.7.1), domain (d=, normalized), selector (s=),
 * bprefix (the first 8 characters of b=, more when two signatures of
 * the message share them) and source DMARC_SRC_SELF.  Returns the
 * number written.  Call once.
 */
size_t		 dkimv_msg_eom(struct dkimv_msg *vm,
		    struct dmarc_dkim_result *out, size_t max);

#endif
