/*
 * milterwire.h -- the MTA side of the milter wire format, for test tools
 *
 * SYNOPSIS
 *	#include "tests/tools/milterwire.h"
 *
 * DESCRIPTION
 *	What milterprobe (tests/tools) and milterload (tests/bench) share:
 *	a growable byte buffer, the libmilter socket syntax seen from the
 *	client, packet framing (a 4-byte length in network order, a command
 *	byte, then data), macros, option negotiation, and splitting an
 *	RFC 5322 message into header fields and a CRLF body as an MTA sends
 *	them.  Output is queued and flushed before each read, as Postfix's
 *	VSTREAM does: writing a packet in pieces would make each exchange
 *	wait on Nagle and the filter's delayed ACK.
 *
 *	Nothing here exits or prints: errors return -1 with a message in
 *	the connection's err[] so a load generator can count them.
 */
#ifndef MILTERWIRE_H
#define MILTERWIRE_H

#include <stddef.h>
#include <stdint.h>

#define MW_VERSION	6
#define MW_ACTIONS	0x000001ffu	/* every SMFIF_* */
#define MW_PROTOCOL	0x001fffffu	/* every SMFIP_* but the MDS sizes */
#define MW_MAXPKT	(8u * 1024 * 1024)	/* unreasonable beyond */
#define MW_CHUNK	65535		/* MILTER_CHUNK_SIZE */

/* SMFIP_*: NO* skip a command, NR_* mean "no reply to it" */
#define P_NOCONNECT	0x00000001u
#define P_NOHELO	0x00000002u
#define P_NOMAIL	0x00000004u
#define P_NORCPT	0x00000008u
#define P_NOBODY	0x00000010u
#define P_NOHDRS	0x00000020u
#define P_NOEOH		0x00000040u
#define P_NR_HDR	0x00000080u
#define P_NODATA	0x00000200u
#define P_NR_CONN	0x00001000u
#define P_NR_HELO	0x00002000u
#define P_NR_MAIL	0x00004000u
#define P_NR_RCPT	0x00008000u
#define P_NR_DATA	0x00010000u
#define P_NR_EOH	0x00040000u
#define P_NR_BODY	0x00080000u
#define P_HDR_LEADSPC	0x00100000u

/* A growable byte buffer. */
struct mw_buf {
	unsigned char	*p;
	size_t		 len, cap;
};

/* One connection to a filter. */
struct mw_conn {
	int		 fd;
	int		 timeout_ms;	/* per read */
	uint32_t	 version, actions, proto;	/* negotiated */
	struct mw_buf	 out;		/* queued output */
	struct mw_buf	 in;		/* the last packet read */
	char		 err[256];
};

/* mw_put - append n bytes (aborts on out of memory) */
void	 mw_put(struct mw_buf *b, const void *data, size_t n);
/* mw_str - append a string with its NUL, as milter strings travel */
void	 mw_str(struct mw_buf *b, const char *s);
/* mw_u32 - append a 32-bit integer in network order */
void	 mw_u32(struct mw_buf *b, uint32_t v);
void	 mw_buf_free(struct mw_buf *b);

/* mw_open - connect to unix:/path, local:/path, /path, inet:port@host,
   inet6:port@host; -1 with err set */
int	 mw_open(struct mw_conn *c, const char *spec, int timeout_ms);
void	 mw_close(struct mw_conn *c);
/* mw_send - queue one packet (length, command byte, data) */
void	 mw_send(struct mw_conn *c, char cmd, const void *data, size_t len);
/* mw_flush - write what mw_send queued; 0 or -1 */
int	 mw_flush(struct mw_conn *c);
/* mw_read - flush, then read one packet into c->in (NUL-ended, the
   command byte not included); 0 or -1 (timeout, EOF, bad length) */
int	 mw_read(struct mw_conn *c, char *cmd);
/* mw_macros - queue SMFIC_MACRO for command cmd: name, value, ..., NULL */
void	 mw_macros(struct mw_conn *c, char cmd, const char *const *nv);
/* mw_negotiate - offer version, actions, protocol; keep the answer.
   The symbol-list data after the three words stays in c->in. */
int	 mw_negotiate(struct mw_conn *c, uint32_t version, uint32_t actions,
	    uint32_t proto);

/* mw_reply_u32 - the 32-bit index that starts insheader/chgheader */
int	 mw_reply_u32(const unsigned char *d, size_t len, uint32_t *v);
/* mw_next_str - the NUL-terminated string at *off (or the rest) */
const unsigned char *mw_next_str(const unsigned char *d, size_t len,
	    size_t *off, size_t *slen);

/*
 * mw_next_header - the next header field of message m from *off into h
 * as the milter sends it (name NUL value NUL, continuation lines joined
 * with "\n" and the first value whitespace stripped unless leadspc).
 * Returns 1 with a field in h, 0 at the end of the header (*off is then
 * the start of the body).
 */
int	 mw_next_header(const char *m, size_t len, size_t *off,
	    struct mw_buf *h, int leadspc);
/* mw_body_crlf - the body from off with CRLF line ends into b */
void	 mw_body_crlf(const char *m, size_t len, size_t off, struct mw_buf *b);

#endif
