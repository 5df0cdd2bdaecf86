/*
 * milterprobe.c -- speak the milter protocol to a filter, as an MTA would
 *
 * SYNOPSIS
 *	milterprobe [-v] [-T seconds] [-a client-ip] [-n client-host]
 *	    [-H helo] [-s sender] [-r rcpt] [-i queue-id-prefix]
 *	    [-m FILE]... [-X truncated|length|unknown] sockspec
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
 *	-X sends malformed traffic after CONNECT and HELO (and the -m
 *	messages): "truncated" a packet that announces 100 bytes, brings 10
 *	and then ends the stream (shutdown for writing); "length" a length
 *	of 0x7ffffff0; "unknown" a
 *	well-formed packet with command byte 'Z'.  Then it reads (and
 *	prints) whatever the filter sends until the filter closes the
 *	connection: "malformed: KIND: connection closed by the filter".
 *
 *	Control characters in what the filter sends are printed as \n, \r,
 *	\t or \xNN.  Each message gets the queue id <prefix><n> (default
 *	PROBE1, PROBE2, ...).  Finally it sends QUIT.  -v also prints what
 *	is sent ("sent: ...").
 *
 * DIAGNOSTICS
 *	Exit 0 when the whole exchange completed (with -X: when the filter
 *	closed the connection), 1 on a connection or protocol error (with
 *	-X: the connection still open after -T seconds) (message on stderr), 2 on a usage error.  Every read
 *	waits at most -T seconds (default 10), so a stuck filter cannot
 *	hang a test.
 *
 * WHY A FILE OF ITS OWN
 *	miltertest(8) hides the negotiated flags, and libmilter has no
 *	client side; the tests need both to see the protocol as an MTA does.
 *	The wire format itself (framing, macros, negotiation, splitting a
 *	message into fields) is tests/tools/milterwire.c, shared with the
 *	load generator tests/bench/milterload.c.
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

#include "milterwire.h"

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

struct probe {
	struct mw_conn	 c;
	int		 timeout_ms;
	int		 verbose;
	uint32_t	 proto;		/* negotiated protocol flags */
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
	    "[-i queue-id-prefix] [-m FILE]...\n\t"
	    "[-X truncated|length|unknown] sockspec\n", stderr);
	exit(2);
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

/* print_strs - print the remaining strings of a reply, space-separated */
static void
print_strs(const unsigned char *d, size_t len, size_t off, const char *sep)
{
	const unsigned char *s;
	size_t slen;
	int first = 1;

	while (off < len) {
		s = mw_next_str(d, len, &off, &slen);
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

	if (mw_reply_u32(d, len, &v) != 0)
		die("short header-change reply (%zu bytes)", len);
	return v;
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

/* read_reply - one packet from the filter, or die */
static char
read_reply(struct probe *pr)
{
	char rc;

	if (mw_read(&pr->c, &rc) != 0)
		die("%s", pr->c.err);
	return rc;
}

/*
 * exchange - send a command; unless noreply, read replies until one
 * that is not a modification or progress report
 */
static enum verdict
exchange(struct probe *pr, const char *stage, char cmd, const void *data,
    size_t len, int noreply)
{
	enum verdict v;
	char rc;

	if (pr->verbose && cmd != 'C') {	/* session_start shows it */
		printf("sent: %s", stage);
		if (len > 0)
			print_strs(data, len, 0, " ");
		putchar('\n');
	}
	mw_send(&pr->c, cmd, data, len);
	if (noreply)
		return V_CONTINUE;
	do {
		rc = read_reply(pr);
		v = print_reply(stage, rc, pr->c.in.p, pr->c.in.len);
		if (v == V_MODIFY && cmd != 'E')
			die("modification reply before end of message");
	} while (v == V_MODIFY || v == V_PROGRESS);
	fflush(stdout);
	return v;
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
		s = mw_next_str(d, len, &off, &slen);
		put_escaped(s, slen);
		putchar('\n');
	}
}

/* negotiate - offer everything, print what the filter chose */
static void
negotiate(struct probe *pr)
{
	if (mw_negotiate(&pr->c, MW_VERSION, MW_ACTIONS, MW_PROTOCOL) != 0)
		die("%s", pr->c.err);
	pr->proto = pr->c.proto;
	printf("version %lu\n", (unsigned long)pr->c.version);
	print_flags("actions", pr->c.actions, action_names);
	print_flags("protocol", pr->proto, proto_names);
	print_symlists(pr->c.in.p, pr->c.in.len);
	fflush(stdout);
}

/* step - one SMTP-stage command, unless the filter asked to skip it */
static enum verdict
step(struct probe *pr, const char *stage, char cmd, const struct mw_buf *b,
    uint32_t noflag, uint32_t nrflag)
{
	if (pr->proto & noflag)
		return V_CONTINUE;
	return exchange(pr, stage, cmd, b != NULL ? b->p : NULL,
	    b != NULL ? b->len : 0, (pr->proto & nrflag) != 0);
}

/* angle - "<addr>" unless addr already has its brackets */
static void
angle(struct mw_buf *b, const char *addr)
{
	if (addr[0] == '<') {
		mw_str(b, addr);
		return;
	}
	mw_put(b, "<", 1);
	mw_put(b, addr, strlen(addr));
	mw_str(b, ">");
}

/* session_start - connect and HELO, once per connection */
static enum verdict
session_start(struct probe *pr)
{
	static const char *const cmac[] = { "j", "mx.probe.example",
	    "{daemon_name}", "milterprobe", NULL };
	struct mw_buf b = { NULL, 0, 0 };
	enum verdict v;
	uint16_t port = htons(50025);
	char fam = strchr(pr->ip, ':') != NULL ? '6' : '4';

	mw_macros(&pr->c, 'C', cmac);
	if (pr->verbose)
		printf("sent: connect %s %c %s\n", pr->host, fam, pr->ip);
	mw_str(&b, pr->host);
	mw_put(&b, &fam, 1);
	mw_put(&b, &port, sizeof(port));
	mw_str(&b, pr->ip);
	v = step(pr, "connect", 'C', &b, P_NOCONNECT, P_NR_CONN);
	b.len = 0;
	if (v == V_CONTINUE) {
		mw_str(&b, pr->helo);
		v = step(pr, "helo", 'H', &b, P_NOHELO, P_NR_HELO);
	}
	mw_buf_free(&b);
	return v;
}

/* envelope - MAIL, RCPT and DATA with their macros */
static enum verdict
envelope(struct probe *pr, const char *qid)
{
	const char *mmac[] = { "{mail_addr}", pr->sender, NULL };
	const char *rmac[] = { "{rcpt_addr}", pr->rcpt, NULL };
	const char *tmac[] = { "i", qid, NULL };
	struct mw_buf b = { NULL, 0, 0 };
	enum verdict v;

	mw_macros(&pr->c, 'M', mmac);
	angle(&b, pr->sender);
	v = step(pr, "mail", 'M', &b, P_NOMAIL, P_NR_MAIL);
	b.len = 0;
	if (v == V_CONTINUE) {
		mw_macros(&pr->c, 'R', rmac);
		angle(&b, pr->rcpt);
		v = step(pr, "rcpt", 'R', &b, P_NORCPT, P_NR_RCPT);
	}
	mw_buf_free(&b);
	if (v == V_CONTINUE) {
		mw_macros(&pr->c, 'T', tmac);
		v = step(pr, "data", 'T', NULL, P_NODATA, P_NR_DATA);
	}
	return v;
}

/* headers - send each field as the MTA does; *off gets the body */
static enum verdict
headers(struct probe *pr, const char *m, size_t len, size_t *off)
{
	struct mw_buf h = { NULL, 0, 0 };
	enum verdict v = V_CONTINUE;

	while (v == V_CONTINUE && mw_next_header(m, len, off, &h,
	    (pr->proto & P_HDR_LEADSPC) != 0))
		v = step(pr, "header", 'L', &h, P_NOHDRS, P_NR_HDR);
	mw_buf_free(&h);
	return v;
}

/* body - the body with CRLF line ends, in chunks */
static enum verdict
body(struct probe *pr, const char *m, size_t len, size_t off)
{
	struct mw_buf b = { NULL, 0, 0 }, c;
	enum verdict v = V_CONTINUE;
	size_t i;

	mw_body_crlf(m, len, off, &b);
	for (i = 0; i < b.len && v == V_CONTINUE; i += MW_CHUNK) {
		c.p = b.p + i;
		c.len = b.len - i < MW_CHUNK ? b.len - i : MW_CHUNK;
		v = step(pr, "body", 'B', &c, P_NOBODY, P_NR_BODY);
	}
	mw_buf_free(&b);
	return v == V_SKIP ? V_CONTINUE : v;
}

/* read_file - the whole file into memory */
static char *
read_file(const char *path, size_t *len)
{
	struct mw_buf b = { NULL, 0, 0 };
	char buf[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		mw_put(&b, buf, n);
	if (ferror(fp))
		die("%s: read error", path);
	fclose(fp);
	mw_put(&b, "", 1);
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
		mw_macros(&pr->c, 'N', imac);
		v = step(pr, "eoh", 'N', NULL, P_NOEOH, P_NR_EOH);
	}
	if (v == V_CONTINUE)
		v = body(pr, m, len, off);
	free(m);
	if (v != V_CONTINUE) {
		mw_send(&pr->c, 'A', NULL, 0);	/* abort: no reply */
		return v;
	}
	mw_macros(&pr->c, 'E', imac);
	return exchange(pr, "eom", 'E', NULL, 0, 0);
}

/* malformed - send bad traffic of one kind; 0 once the filter hangs up */
static int
malformed(struct probe *pr, const char *kind)
{
	static const unsigned char trunc[] = { 0, 0, 0, 100, 'L', 'S', 'u',
	    'b', 'j', 'e', 'c', 't', 0, 'x' };
	static const unsigned char absurd[] = { 0x7f, 0xff, 0xff, 0xf0, 'L' };
	static const unsigned char unknown[] = { 0, 0, 0, 4, 'Z', 'x', 'y',
	    0 };
	char rc;

	if (strcmp(kind, "truncated") == 0)
		mw_put(&pr->c.out, trunc, sizeof(trunc));
	else if (strcmp(kind, "length") == 0)
		mw_put(&pr->c.out, absurd, sizeof(absurd));
	else if (strcmp(kind, "unknown") == 0)
		mw_put(&pr->c.out, unknown, sizeof(unknown));
	else
		usage();
	if (mw_flush(&pr->c) != 0)
		die("%s", pr->c.err);
	if (strcmp(kind, "truncated") == 0)
		(void)shutdown(pr->c.fd, SHUT_WR);
	while (mw_read(&pr->c, &rc) == 0)
		(void)print_reply("malformed", rc, pr->c.in.p, pr->c.in.len);
	if (strstr(pr->c.err, "timeout") != NULL) {
		printf("malformed: %s: connection still open\n", kind);
		return 1;
	}
	printf("malformed: %s: connection closed by the filter (%s)\n", kind,
	    pr->c.err);
	return 0;
}

int
main(int argc, char **argv)
{
	struct probe pr = { { -1, 0, 0, 0, 0, { NULL, 0, 0 },
	    { NULL, 0, 0 }, "" }, 10000, 0, 0, "192.0.2.10", NULL,
	    "client.example", "<sender@example.org>",
	    "<postmaster@mx.probe.example>", "PROBE" };
	const char *files[PROBE_MAXMSG], *bad = NULL;
	char hostbuf[128];
	unsigned nfiles = 0, i;
	enum verdict v;
	int ch;

	while ((ch = getopt(argc, argv, "a:H:i:m:n:r:s:T:vX:")) != -1) {
		switch (ch) {
		case 'a': pr.ip = optarg; break;
		case 'H': pr.helo = optarg; break;
		case 'i': pr.qprefix = optarg; break;
		case 'n': pr.host = optarg; break;
		case 'r': pr.rcpt = optarg; break;
		case 's': pr.sender = optarg; break;
		case 'T': pr.timeout_ms = atoi(optarg) * 1000; break;
		case 'v': pr.verbose = 1; break;
		case 'X': bad = optarg; break;
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
	if (mw_open(&pr.c, argv[optind], pr.timeout_ms) != 0)
		die("%s", pr.c.err);
	negotiate(&pr);
	v = nfiles > 0 || bad != NULL ? session_start(&pr) : V_CONTINUE;
	for (i = 0; i < nfiles && v == V_CONTINUE; i++)
		(void)message(&pr, files[i], i + 1);
	if (bad != NULL) {
		i = (unsigned)malformed(&pr, bad);
		mw_close(&pr.c);
		return (int)i;
	}
	mw_send(&pr.c, 'Q', NULL, 0);
	(void)mw_flush(&pr.c);
	mw_close(&pr.c);
	return 0;
}
