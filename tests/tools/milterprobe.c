/*
 * milterprobe.c -- speak the milter protocol to a filter, as an MTA would
 *
 * SYNOPSIS
 *	milterprobe [-v] [-T seconds] [-a client-ip] [-n client-host]
 *	    [-H helo] [-s sender] [-r rcpt] [-i queue-id-prefix]
 *	    [-m FILE]... sockspec
 *
 * DESCRIPTION
 *	Connects to a milter at sockspec (inet:port@host, inet6:port@host,
 *	unix:/path or local:/path), negotiates protocol version 6 offering
 *	every action and every protocol flag, and prints what the filter
 *	chose:
 *
 *		version 6
 *		actions 0x00000021 ADDHDRS QUARANTINE
 *		protocol 0x00001412 NOHELO NOBODY NOUNKNOWN SKIP
 *
 *	Offering every protocol flag makes libmilter reveal which callbacks
 *	a filter lacks (NOCONNECT, NORCPT, NODATA, ...).  Then, for each
 *	-m FILE (an RFC 5322 message, LF or CRLF), it sends one transaction
 *	on the same connection as Postfix does: macros (j with CONNECT,
 *	i with DATA, EOH and EOM), CONNECT and HELO (once), MAIL, RCPT,
 *	DATA, each header, EOH, the body in CRLF chunks and EOM.  Commands
 *	the filter asked to skip are not sent (their macros still are, as
 *	Postfix does), and no reply is awaited where it asked for none.
 *	Every reply is printed as "stage: reply args", for example
 *
 *		eom: insheader 0 Authentication-Results: mx; dmarc=pass ...
 *		eom: replycode 550 5.7.1 rejected by DMARC policy for x
 *		eom: quarantine quarantined by DMARC policy for x
 *		eom: accept
 *
 *	Control characters in what the filter sends are printed as \n, \r,
 *	\t or \xNN.  Each message gets the queue id <prefix><n> (default
 *	PROBE1, PROBE2, ...).  Finally it sends QUIT.  -v also prints what
 *	is sent ("sent: ...").
 *
 * DIAGNOSTICS
 *	Exit 0 when the whole exchange completed, 1 on a connection or
 *	protocol error (message on stderr), 2 on a usage error.  Every read
 *	waits at most -T seconds (default 10), so a stuck filter cannot
 *	hang a test.
 *
 * WHY A FILE OF ITS OWN
 *	miltertest(8) hides the negotiated flags, and libmilter has no
 *	client side; the tests need both to see the protocol as an MTA does.
 *	Plain C with no library: the wire format is small (a 4-byte length
 *	in network order, a 1-byte command, then data).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_VERSION	6
#define PROBE_ACTIONS	0x000001ffu	/* every SMFIF_* */
#define PROBE_PROTOCOL	0x001fffffu	/* every SMFIP_* but the MDS sizes */
#define PROBE_MAXPKT	(8u * 1024 * 1024)	/* unreasonable beyond */
#define PROBE_CHUNK	65535		/* MILTER_CHUNK_SIZE */
#define PROBE_MAXMSG	32

struct flagname {
	uint32_t	 bit;
	const char	*name;
};

static const struct flagname action_names[] = {
	{ 0x001, "ADDHDRS" }, { 0x002, "CHGBODY" }, { 0x004, "ADDRCPT" },
	{ 0x008, "DELRCPT" }, { 0x010, "CHGHDRS" }, { 0x020, "QUARANTINE" },
	{ 0x040, "CHGFROM" }, { 0x080, "ADDRCPT_PAR" },
	{ 0x100, "SETSYMLIST" }, { 0, NULL }
};

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

static const struct flagname proto_names[] = {
	{ 0x00000001, "NOCONNECT" }, { 0x00000002, "NOHELO" },
	{ 0x00000004, "NOMAIL" }, { 0x00000008, "NORCPT" },
	{ 0x00000010, "NOBODY" }, { 0x00000020, "NOHDRS" },
	{ 0x00000040, "NOEOH" }, { 0x00000080, "NR_HDR" },
	{ 0x00000100, "NOUNKNOWN" }, { 0x00000200, "NODATA" },
	{ 0x00000400, "SKIP" }, { 0x00000800, "RCPT_REJ" },
	{ 0x00001000, "NR_CONN" }, { 0x00002000, "NR_HELO" },
	{ 0x00004000, "NR_MAIL" }, { 0x00008000, "NR_RCPT" },
	{ 0x00010000, "NR_DATA" }, { 0x00020000, "NR_UNKN" },
	{ 0x00040000, "NR_EOH" }, { 0x00080000, "NR_BODY" },
	{ 0x00100000, "HDR_LEADSPC" }, { 0x10000000, "MDS_256K" },
	{ 0x20000000, "MDS_1M" }, { 0, NULL }
};

/* How a reply leaves the current transaction. */
enum verdict {
	V_CONTINUE,	/* go on with the next command */
	V_SKIP,		/* stop sending body chunks */
	V_MODIFY,	/* a modification: more replies follow (EOM) */
	V_PROGRESS,	/* keep waiting */
	V_FINAL		/* accept, reject, tempfail, discard, replycode */
};

struct pkt {
	unsigned char	*p;
	size_t		 len, cap;
};

struct probe {
	int		 fd;
	int		 timeout_ms;
	int		 verbose;
	uint32_t	 proto;		/* negotiated protocol flags */
	struct pkt	 out;		/* queued output */
	const char	*ip, *host, *helo, *sender, *rcpt, *qprefix;
};

static void	 usage(void) __attribute__((noreturn));
static void	 die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

/* die - protocol or system failure: say so and exit 1 */
static void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("milterprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* usage - the synopsis, exit 2 */
static void
usage(void)
{
	fputs("usage: milterprobe [-v] [-T seconds] [-a client-ip] "
	    "[-n client-host] [-H helo]\n\t[-s sender] [-r rcpt] "
	    "[-i queue-id-prefix] [-m FILE]... sockspec\n", stderr);
	exit(2);
}

/* pkt_put - append n bytes, growing the buffer */
static void
pkt_put(struct pkt *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t ncap = (b->len + n) * 2 + 64;
		unsigned char *np = realloc(b->p, ncap);

		if (np == NULL)
			die("out of memory");
		b->p = np;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* pkt_str - append a string with its NUL, as milter strings travel */
static void
pkt_str(struct pkt *b, const char *s)
{
	pkt_put(b, s, strlen(s) + 1);
}

/* pkt_u32 - append a 32-bit integer in network order */
static void
pkt_u32(struct pkt *b, uint32_t v)
{
	uint32_t n = htonl(v);

	pkt_put(b, &n, sizeof(n));
}

/* write_all - write everything or die */
static void
write_all(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/* read_full - read exactly n bytes, each wait bounded by the timeout */
static void
read_full(struct probe *pr, void *buf, size_t n)
{
	unsigned char *p = buf;
	struct pollfd pfd;
	ssize_t r;
	int rc;

	while (n > 0) {
		pfd.fd = pr->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, pr->timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			die("poll: %s", strerror(errno));
		if (rc == 0)
			die("timeout waiting for the filter's reply");
		if ((r = read(pr->fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		if (r == 0)
			die("the filter closed the connection");
		p += r;
		n -= (size_t)r;
	}
}

/*
 * send_cmd - queue one packet (length, command byte, data).  Output is
 * buffered and flushed before each read, as an MTA's stream is: writing
 * a packet in pieces would make every exchange wait on Nagle and the
 * filter's delayed ACK (about 40 ms each).
 */
static void
send_cmd(struct probe *pr, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t n = htonl((uint32_t)len + 1);

	memcpy(hdr, &n, 4);
	hdr[4] = (unsigned char)cmd;
	pkt_put(&pr->out, hdr, sizeof(hdr));
	pkt_put(&pr->out, data, len);
}

/* flush_out - write what send_cmd queued */
static void
flush_out(struct probe *pr)
{
	write_all(pr->fd, pr->out.p, pr->out.len);
	pr->out.len = 0;
}

/* read_pkt - one packet from the filter; data is malloc'ed, NUL-ended */
static char
read_pkt(struct probe *pr, unsigned char **data, size_t *len)
{
	unsigned char hdr[5];
	uint32_t n;

	flush_out(pr);
	read_full(pr, hdr, sizeof(hdr));
	memcpy(&n, hdr, 4);
	n = ntohl(n);
	if (n == 0 || n > PROBE_MAXPKT)
		die("unreasonable packet length %lu", (unsigned long)n);
	if ((*data = malloc(n)) == NULL)
		die("out of memory");
	*len = n - 1;
	if (*len > 0)
		read_full(pr, *data, *len);
	(*data)[*len] = '\0';
	return (char)hdr[4];
}

/* put_escaped - print untrusted bytes with control characters escaped */
static void
put_escaped(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else if (p[i] == '\t')
			fputs("\\t", stdout);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

/* next_str - the NUL-terminated string at *off (or the rest), advance */
static const unsigned char *
next_str(const unsigned char *d, size_t len, size_t *off, size_t *slen)
{
	const unsigned char *s = d + *off, *nul;

	if (*off >= len) {
		*slen = 0;
		return d + len;
	}
	nul = memchr(s, '\0', len - *off);
	*slen = nul != NULL ? (size_t)(nul - s) : len - *off;
	*off += *slen + (nul != NULL);
	return s;
}

/* print_strs - print the remaining strings of a reply, space-separated */
static void
print_strs(const unsigned char *d, size_t len, size_t off, const char *sep)
{
	const unsigned char *s;
	size_t slen;
	int first = 1;

	while (off < len) {
		s = next_str(d, len, &off, &slen);
		fputs(first ? " " : sep, stdout);
		put_escaped(s, slen);
		first = 0;
	}
}

/* print_flags - value in hex, then the name of every bit set */
static void
print_flags(const char *label, uint32_t v, const struct flagname *t)
{
	uint32_t known = 0;

	printf("%s 0x%08lx", label, (unsigned long)v);
	for (; t->name != NULL; t++) {
		known |= t->bit;
		if (v & t->bit)
			printf(" %s", t->name);
	}
	if (v & ~known)
		printf(" unknown:0x%lx", (unsigned long)(v & ~known));
	putchar('\n');
}

/* reply_u32 - the 32-bit index that starts insheader/chgheader */
static uint32_t
reply_u32(const unsigned char *d, size_t len)
{
	uint32_t v;

	if (len < 4)
		die("short header-change reply (%zu bytes)", len);
	memcpy(&v, d, 4);
	return ntohl(v);
}

/* print_reply - one reply as "stage: name args"; how it moves us on */
static enum verdict
print_reply(const char *stage, char cmd, const unsigned char *d, size_t len)
{
	printf("%s: ", stage);
	switch (cmd) {
	case 'c': puts("continue"); return V_CONTINUE;
	case 's': puts("skip"); return V_SKIP;
	case 'p': puts("progress"); return V_PROGRESS;
	case 'a': puts("accept"); return V_FINAL;
	case 'r': puts("reject"); return V_FINAL;
	case 't': puts("tempfail"); return V_FINAL;
	case 'd': puts("discard"); return V_FINAL;
	case 'f': puts("connfail"); return V_FINAL;
	case '4': puts("shutdown"); return V_FINAL;
	case 'y': fputs("replycode", stdout); break;
	case 'q': fputs("quarantine", stdout); break;
	case 'h': fputs("addheader", stdout); break;
	case '+': fputs("addrcpt", stdout); break;
	case '2': fputs("addrcpt_par", stdout); break;
	case '-': fputs("delrcpt", stdout); break;
	case 'e': fputs("chgfrom", stdout); break;
	case 'b': printf("replbody %zu bytes\n", len); return V_MODIFY;
	case 'i':
	case 'm':
		printf("%s %lu", cmd == 'i' ? "insheader" : "chgheader",
		    (unsigned long)reply_u32(d, len));
		print_strs(d, len, 4, ": ");
		putchar('\n');
		return V_MODIFY;
	default:
		printf("unknown reply '%c' (0x%02x), %zu bytes\n",
		    cmd >= 0x20 && cmd < 0x7f ? cmd : '?',
		    (unsigned)(unsigned char)cmd, len);
		die("unknown reply from the filter");
	}
	print_strs(d, len, 0, cmd == 'h' ? ": " : " ");
	putchar('\n');
	return cmd == 'y' ? V_FINAL : V_MODIFY;
}

/*
 * exchange - send a command; unless noreply, read replies until one
 * that is not a modification or progress report
 */
static enum verdict
exchange(struct probe *pr, const char *stage, char cmd, const void *data,
    size_t len, int noreply)
{
	unsigned char *d;
	enum verdict v;
	size_t dlen;
	char rc;

	if (pr->verbose && cmd != 'C') {	/* session_start shows it */
		printf("sent: %s", stage);
		if (len > 0)
			print_strs(data, len, 0, " ");
		putchar('\n');
	}
	send_cmd(pr, cmd, data, len);
	if (noreply)
		return V_CONTINUE;
	do {
		rc = read_pkt(pr, &d, &dlen);
		v = print_reply(stage, rc, d, dlen);
		free(d);
		if (v == V_MODIFY && cmd != 'E')
			die("modification reply before end of message");
	} while (v == V_MODIFY || v == V_PROGRESS);
	fflush(stdout);
	return v;
}

/* send_macros - SMFIC_MACRO for command cmd with name/value pairs */
static void
send_macros(struct probe *pr, char cmd, const char *const *nv)
{
	struct pkt b = { NULL, 0, 0 };

	pkt_put(&b, &cmd, 1);
	for (; nv[0] != NULL; nv += 2) {
		pkt_str(&b, nv[0]);
		pkt_str(&b, nv[1]);
	}
	send_cmd(pr, 'D', b.p, b.len);
	free(b.p);
}

/* print_symlists - SETSYMLIST data after the three negotiated words */
static void
print_symlists(const unsigned char *d, size_t len)
{
	size_t off = 12, slen;
	const unsigned char *s;

	while (off + 4 <= len) {
		printf("symlist %lu ", (unsigned long)reply_u32(d + off, 4));
		off += 4;
		s = next_str(d, len, &off, &slen);
		put_escaped(s, slen);
		putchar('\n');
	}
}

/* negotiate - offer everything, print what the filter chose */
static void
negotiate(struct probe *pr)
{
	struct pkt b = { NULL, 0, 0 };
	unsigned char *d;
	uint32_t w[3];
	size_t len;
	char rc;

	pkt_u32(&b, PROBE_VERSION);
	pkt_u32(&b, PROBE_ACTIONS);
	pkt_u32(&b, PROBE_PROTOCOL);
	send_cmd(pr, 'O', b.p, b.len);
	free(b.p);
	rc = read_pkt(pr, &d, &len);
	if (rc != 'O' || len < 12)
		die("bad negotiation reply '%c', %zu bytes", rc, len);
	memcpy(w, d, sizeof(w));
	pr->proto = ntohl(w[2]);
	printf("version %lu\n", (unsigned long)ntohl(w[0]));
	print_flags("actions", ntohl(w[1]), action_names);
	print_flags("protocol", pr->proto, proto_names);
	print_symlists(d, len);
	free(d);
	fflush(stdout);
}

/* step - one SMTP-stage command, unless the filter asked to skip it */
static enum verdict
step(struct probe *pr, const char *stage, char cmd, const struct pkt *b,
    uint32_t noflag, uint32_t nrflag)
{
	if (pr->proto & noflag)
		return V_CONTINUE;
	return exchange(pr, stage, cmd, b != NULL ? b->p : NULL,
	    b != NULL ? b->len : 0, (pr->proto & nrflag) != 0);
}

/* angle - "<addr>" unless addr already has its brackets */
static void
angle(struct pkt *b, const char *addr)
{
	if (addr[0] == '<') {
		pkt_str(b, addr);
		return;
	}
	pkt_put(b, "<", 1);
	pkt_put(b, addr, strlen(addr));
	pkt_str(b, ">");
}

/* session_start - connect and HELO, once per connection */
static enum verdict
session_start(struct probe *pr)
{
	static const char *const cmac[] = { "j", "mx.probe.example",
	    "{daemon_name}", "milterprobe", NULL };
	struct pkt b = { NULL, 0, 0 };
	enum verdict v;
	uint16_t port = htons(50025);
	char fam = strchr(pr->ip, ':') != NULL ? '6' : '4';

	send_macros(pr, 'C', cmac);
	if (pr->verbose)
		printf("sent: connect %s %c %s\n", pr->host, fam, pr->ip);
	pkt_str(&b, pr->host);
	pkt_put(&b, &fam, 1);
	pkt_put(&b, &port, sizeof(port));
	pkt_str(&b, pr->ip);
	v = step(pr, "connect", 'C', &b, P_NOCONNECT, P_NR_CONN);
	free(b.p);
	if (v != V_CONTINUE)
		return v;
	b = (struct pkt){ NULL, 0, 0 };
	pkt_str(&b, pr->helo);
	v = step(pr, "helo", 'H', &b, P_NOHELO, P_NR_HELO);
	free(b.p);
	return v;
}

/* envelope - MAIL, RCPT and DATA with their macros */
static enum verdict
envelope(struct probe *pr, const char *qid)
{
	const char *mmac[] = { "{mail_addr}", pr->sender, NULL };
	const char *rmac[] = { "{rcpt_addr}", pr->rcpt, NULL };
	const char *tmac[] = { "i", qid, NULL };
	struct pkt b = { NULL, 0, 0 };
	enum verdict v;

	send_macros(pr, 'M', mmac);
	angle(&b, pr->sender);
	v = step(pr, "mail", 'M', &b, P_NOMAIL, P_NR_MAIL);
	b.len = 0;
	if (v == V_CONTINUE) {
		send_macros(pr, 'R', rmac);
		angle(&b, pr->rcpt);
		v = step(pr, "rcpt", 'R', &b, P_NORCPT, P_NR_RCPT);
	}
	free(b.p);
	if (v == V_CONTINUE) {
		send_macros(pr, 'T', tmac);
		v = step(pr, "data", 'T', NULL, P_NODATA, P_NR_DATA);
	}
	return v;
}

/* flush_header - send the header collected in h (name NUL value) */
static enum verdict
flush_header(struct probe *pr, struct pkt *h)
{
	enum verdict v;

	if (h->len == 0)
		return V_CONTINUE;
	pkt_put(h, "", 1);
	v = step(pr, "header", 'L', h, P_NOHDRS, P_NR_HDR);
	h->len = 0;
	return v;
}

/* header_line - start a header from "Name: value" */
static void
header_line(struct probe *pr, struct pkt *h, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t nlen = colon != NULL ? (size_t)(colon - p) : n;

	pkt_put(h, p, nlen);
	pkt_put(h, "", 1);
	if (colon == NULL)
		return;
	p = colon + 1;
	n -= nlen + 1;
	if (!(pr->proto & P_HDR_LEADSPC))
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
	pkt_put(h, p, n);
}

/* headers - send each (unfolded-as-sent) header; *off gets the body */
static enum verdict
headers(struct probe *pr, const char *m, size_t len, size_t *off)
{
	struct pkt h = { NULL, 0, 0 };
	enum verdict v = V_CONTINUE;
	const char *nl;
	size_t n;

	while (*off < len && v == V_CONTINUE) {
		nl = memchr(m + *off, '\n', len - *off);
		n = nl != NULL ? (size_t)(nl - (m + *off)) : len - *off;
		if (n > 0 && m[*off + n - 1] == '\r')
			n--;
		if (n == 0) {		/* the empty line */
			*off += nl != NULL ? (size_t)(nl - (m + *off)) + 1 : 0;
			break;
		}
		if (m[*off] == ' ' || m[*off] == '\t') {
			if (h.len > 0) {
				pkt_put(&h, "\n", 1);
				pkt_put(&h, m + *off, n);
			}
		} else {
			v = flush_header(pr, &h);
			header_line(pr, &h, m + *off, n);
		}
		*off = nl != NULL ? (size_t)(nl - m) + 1 : len;
	}
	if (v == V_CONTINUE)
		v = flush_header(pr, &h);
	free(h.p);
	return v;
}

/* body - the body with CRLF line ends, in chunks */
static enum verdict
body(struct probe *pr, const char *m, size_t len, size_t off)
{
	struct pkt b = { NULL, 0, 0 }, c;
	enum verdict v = V_CONTINUE;
	const char *nl;
	size_t n, i;

	while (off < len) {
		nl = memchr(m + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (m + off)) : len - off;
		pkt_put(&b, m + off, n > 0 && m[off + n - 1] == '\r' &&
		    nl != NULL ? n - 1 : n);
		if (nl != NULL)
			pkt_put(&b, "\r\n", 2);
		off += n + (nl != NULL);
	}
	for (i = 0; i < b.len && v == V_CONTINUE; i += PROBE_CHUNK) {
		c.p = b.p + i;
		c.len = b.len - i < PROBE_CHUNK ? b.len - i : PROBE_CHUNK;
		v = step(pr, "body", 'B', &c, P_NOBODY, P_NR_BODY);
	}
	free(b.p);
	return v == V_SKIP ? V_CONTINUE : v;
}

/* read_file - the whole file into memory */
static char *
read_file(const char *path, size_t *len)
{
	struct pkt b = { NULL, 0, 0 };
	char buf[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		pkt_put(&b, buf, n);
	if (ferror(fp))
		die("%s: read error", path);
	fclose(fp);
	pkt_put(&b, "", 1);
	*len = b.len - 1;
	return (char *)b.p;
}

/* message - one transaction; an early verdict aborts it as an MTA would */
static enum verdict
message(struct probe *pr, const char *path, unsigned seq)
{
	char qid[64];
	const char *imac[] = { "i", qid, NULL };
	enum verdict v;
	size_t len, off = 0;
	char *m;

	snprintf(qid, sizeof(qid), "%s%u", pr->qprefix, seq);
	printf("message %s %s\n", qid, path);
	m = read_file(path, &len);
	v = envelope(pr, qid);
	if (v == V_CONTINUE)
		v = headers(pr, m, len, &off);
	if (v == V_CONTINUE) {
		send_macros(pr, 'N', imac);
		v = step(pr, "eoh", 'N', NULL, P_NOEOH, P_NR_EOH);
	}
	if (v == V_CONTINUE)
		v = body(pr, m, len, off);
	free(m);
	if (v != V_CONTINUE) {
		send_cmd(pr, 'A', NULL, 0);	/* abort: no reply */
		return v;
	}
	send_macros(pr, 'E', imac);
	return exchange(pr, "eom", 'E', NULL, 0, 0);
}

/* open_unix - connect to a unix-domain socket */
static int
open_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("%s: socket path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		die("connect %s: %s", path, strerror(errno));
	return fd;
}

/* open_inet - connect to "port@host" (host default 127.0.0.1) */
static int
open_inet(const char *spec, int family)
{
	struct addrinfo hints, *res, *ai;
	char port[32];
	const char *at = strchr(spec, '@');
	const char *host = at != NULL ? at + 1 : "127.0.0.1";
	size_t plen = at != NULL ? (size_t)(at - spec) : strlen(spec);
	int fd = -1, rc;

	if (plen == 0 || plen >= sizeof(port))
		die("bad port in \"%s\"", spec);
	memcpy(port, spec, plen);
	port[plen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		die("%s: %s", spec, gai_strerror(rc));
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		die("cannot connect to %s: %s", spec, strerror(errno));
	return fd;
}

/* open_spec - the libmilter socket syntax, seen from the client */
static int
open_spec(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return open_unix(spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return open_unix(spec + 6);
	if (spec[0] == '/')
		return open_unix(spec);
	if (strncmp(spec, "inet:", 5) == 0)
		return open_inet(spec + 5, AF_INET);
	if (strncmp(spec, "inet6:", 6) == 0)
		return open_inet(spec + 6, AF_INET6);
	die("unknown socket specification \"%s\"", spec);
}

int
main(int argc, char **argv)
{
	struct probe pr = { -1, 10000, 0, 0, { NULL, 0, 0 }, "192.0.2.10",
	    NULL, "client.example", "<sender@example.org>",
	    "<postmaster@mx.probe.example>", "PROBE" };
	const char *files[PROBE_MAXMSG];
	char hostbuf[128];
	unsigned nfiles = 0, i;
	enum verdict v;
	int ch;

	while ((ch = getopt(argc, argv, "a:H:i:m:n:r:s:T:v")) != -1) {
		switch (ch) {
		case 'a': pr.ip = optarg; break;
		case 'H': pr.helo = optarg; break;
		case 'i': pr.qprefix = optarg; break;
		case 'n': pr.host = optarg; break;
		case 'r': pr.rcpt = optarg; break;
		case 's': pr.sender = optarg; break;
		case 'T': pr.timeout_ms = atoi(optarg) * 1000; break;
		case 'v': pr.verbose = 1; break;
		case 'm':
			if (nfiles == PROBE_MAXMSG)
				usage();
			files[nfiles++] = optarg;
			break;
		default: usage();
		}
	}
	if (argc - optind != 1 || pr.timeout_ms <= 0)
		usage();
	if (pr.host == NULL) {
		snprintf(hostbuf, sizeof(hostbuf), "[%s]", pr.ip);
		pr.host = hostbuf;
	}
	pr.fd = open_spec(argv[optind]);
	negotiate(&pr);
	v = nfiles > 0 ? session_start(&pr) : V_CONTINUE;
	for (i = 0; i < nfiles && v == V_CONTINUE; i++)
		(void)message(&pr, files[i], i + 1);
	send_cmd(&pr, 'Q', NULL, 0);
	flush_out(&pr);
	free(pr.out.p);
	close(pr.fd);
	return 0;
}
