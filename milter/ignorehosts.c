/*
 * ignorehosts.c -- IgnoreHosts: clients whose mail is not evaluated
 *
 * SYNOPSIS
 *	struct ignorehosts *ignorehosts_load(const char *path, char *err,
 *	    size_t errlen);
 *	int ignorehosts_match(const struct ignorehosts *ih, const char *ip,
 *	    const char *hostname);
 *
 * DESCRIPTION
 *	One entry per line, '#' comments: a host name (exact match), a
 *	".suffix" (any name below it), an IPv4 or IPv6 address, a CIDR
 *	prefix (a.b.c.d/n, x::/n) or an IPv4 address/netmask.  A leading '!'
 *	negates an entry.  127.0.0.1 and ::1 are always listed first, so a
 *	site that wants local mail evaluated writes "!127.0.0.1" (OpenDMARC
 *	1.4.2 dropped the 127.0.0.1 default as soon as a file was given, and
 *	never had ::1).
 *
 *	Addresses: the most specific matching prefix decides; on a tie a
 *	negation wins.  Names: the full name, then each ".suffix" from the
 *	longest, negations first at each step (OpenDMARC's order).  An
 *	address entry that matched decides before any name entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarcd.h"
#include "xmalloc.h"

struct ih_net {
	int		 family;
	unsigned char	 addr[16];
	unsigned	 bits;
	int		 neg;
};

struct ih_name {
	char	*name;		/* lower-case; ".suffix" or exact */
	int	 neg;
};

struct ignorehosts {
	struct ih_net	*nets;
	size_t		 nnets;
	struct ih_name	*names;
	size_t		 nnames;
};

/* mask_bits - netmask a.b.c.d to a prefix length, -1 if not contiguous */
static int
mask_bits(const unsigned char *m)
{
	int i, bits = 0, seen_zero = 0;

	for (i = 0; i < 32; i++) {
		int bit = (m[i / 8] >> (7 - i % 8)) & 1;

		if (bit && seen_zero)
			return -1;
		if (bit)
			bits++;
		else
			seen_zero = 1;
	}
	return bits;
}

/* parse_net - address with optional /len or /mask; 0 on success */
static int
parse_net(const char *s, struct ih_net *n)
{
	char buf[128], *slash;
	unsigned char mask[16];
	long bits;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
	} else
		return -1;
	if (slash == NULL)
		return 0;
	if (n->family == AF_INET && inet_pton(AF_INET, slash, mask) == 1) {
		if ((bits = mask_bits(mask)) < 0)
			return -1;
		n->bits = (unsigned)bits;
		return 0;
	}
	errno = 0;
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || errno != 0 || bits < 0 ||
	    bits > (long)n->bits)
		return -1;
	n->bits = (unsigned)bits;
	return 0;
}

/* add_entry - one line's entry */
static int
add_entry(struct ignorehosts *ih, const char *s)
{
	struct ih_net net;
	int neg = 0;

	if (*s == '!') {
		neg = 1;
		s++;
	}
	memset(&net, 0, sizeof(net));
	if (parse_net(s, &net) == 0) {
		net.neg = neg;
		ih->nets = xreallocarray(ih->nets, ih->nnets + 1, sizeof(net));
		ih->nets[ih->nnets++] = net;
		return 0;
	}
	if (*s == '\0' || strchr(s, '/') != NULL || strchr(s, ':') != NULL)
		return -1;
	ih->names = xreallocarray(ih->names, ih->nnames + 1,
	    sizeof(*ih->names));
	ih->names[ih->nnames].name = xstrdup(s);
	for (char *p = ih->names[ih->nnames].name; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	ih->names[ih->nnames].neg = neg;
	ih->nnames++;
	return 0;
}

/* ignorehosts_load - defaults plus the file (path may be NULL) */
struct ignorehosts *
ignorehosts_load(const char *path, char *err, size_t errlen)
{
	struct ignorehosts *ih = xcalloc(1, sizeof(*ih));
	char line[1024];
	unsigned lineno = 0;
	FILE *fp;

	(void)add_entry(ih, "127.0.0.1");
	(void)add_entry(ih, "::1");
	if (path == NULL)
		return ih;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ignorehosts_free(ih);
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *e;

		lineno++;
		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strcspn(p, " \t\r\n");
		if (*(e + strspn(e, " \t\r\n")) != '\0') {
			snprintf(err, errlen, "%s:%u: one entry per line", path,
			    lineno);
			goto fail;
		}
		*e = '\0';
		if (*p != '\0' && add_entry(ih, p) != 0) {
			snprintf(err, errlen, "%s:%u: invalid entry '%s'", path,
			    lineno, p);
			goto fail;
		}
	}
	fclose(fp);
	return ih;
fail:
	fclose(fp);
	ignorehosts_free(ih);
	return NULL;
}

/* ignorehosts_free - release */
void
ignorehosts_free(struct ignorehosts *ih)
{
	size_t i;

	if (ih == NULL)
		return;
	for (i = 0; i < ih->nnames; i++)
		free(ih->names[i].name);
	free(ih->names);
	free(ih->nets);
	free(ih);
}

/* prefix_eq - first bits of a and b are equal */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

/* match_ip - 1 ignored, 0 negated, -1 no entry matched */
static int
match_ip(const struct ignorehosts *ih, const char *ip)
{
	unsigned char a[16];
	int family, best = -1;
	unsigned bestbits = 0;
	size_t i;

	if (inet_pton(AF_INET, ip, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1)
		family = AF_INET6;
	else
		return -1;
	for (i = 0; i < ih->nnets; i++) {
		const struct ih_net *n = &ih->nets[i];

		if (n->family != family || !prefix_eq(a, n->addr, n->bits))
			continue;
		if (best < 0 || n->bits > bestbits ||
		    (n->bits == bestbits && n->neg)) {
			best = !n->neg;
			bestbits = n->bits;
		}
	}
	return best;
}

/* match_name - the name, then each .suffix; negations first */
static int
match_name(const struct ignorehosts *ih, const char *host)
{
	const char *p;
	size_t i;
	int pass;

	for (p = host; p != NULL && *p != '\0'; p = strchr(p + 1, '.'))
		for (pass = 1; pass >= 0; pass--)
			for (i = 0; i < ih->nnames; i++)
				if (ih->names[i].neg == pass &&
				    strcasecmp(ih->names[i].name, p) == 0)
					return !pass;
	return 0;
}

/* ignorehosts_match - see the file header */
int
ignorehosts_match(const struct ignorehosts *ih, const char *ip,
    const char *hostname)
{
	int r;

	if (ih == NULL)
		return 0;
	if (ip != NULL && *ip != '\0' && (r = match_ip(ih, ip)) >= 0)
		return r;
	if (hostname != NULL && *hostname != '\0' && *hostname != '[')
		return match_name(ih, hostname);
	return 0;
}
