/*
 * ubanswer_fuzz.c -- libFuzzer harness for answer packets (common/ubanswer.c)
 *
 * SYNOPSIS
 *	tests/fuzz/ubanswer_fuzz [libFuzzer options] tests/fuzz/ubanswer.in
 *
 * DESCRIPTION
 *	The input is a DNS message as libunbound's event mode hands it over.
 *	The query name and type come from its question section when there
 *	is one (so CNAME chains from it are followed), else they are
 *	"fuzz.example" TXT.  A result must be consistent: a NULL-terminated
 *	data list as long as its length list says, havedata exactly when it
 *	is not empty, nxdomain exactly for rcode 3, a TTL not below 0 and
 *	the packet copied whole.  Anything else aborts.
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lastinput.h"
#include "ubanswer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - the invariants of a result */
static void
check(const struct ub_result *r, const uint8_t *data, size_t size)
{
	int i;

	if (r->data == NULL)
		abort();
	for (i = 0; r->data[i] != NULL; i++)
		if (r->len == NULL || r->len[i] < 0 || r->len[i] > 65535)
			abort();
	if ((i > 0) != (r->havedata != 0) || r->ttl < 0 ||
	    (r->rcode == 3) != (r->nxdomain != 0))
		abort();
	if (r->answer_len != (int)size ||
	    (size > 0 && memcmp(r->answer_packet, data, size) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char qname[NS_MAXDNAME] = "fuzz.example";
	int qtype = ns_t_txt;
	struct ub_result *r;
	ns_msg m;
	ns_rr rr;

	last_input(data, size);
	if (size <= 65535 && ns_initparse(data, (int)size, &m) == 0 &&
	    ns_msg_count(m, ns_s_qd) > 0 &&
	    ns_parserr(&m, ns_s_qd, 0, &rr) == 0) {
		snprintf(qname, sizeof(qname), "%s", ns_rr_name(rr));
		qtype = ns_rr_type(rr);
	}
	if ((r = ubanswer_result(qname, qtype, data, size)) != NULL)
		check(r, data, size);
	ub_resolve_free(r);
	return 0;
}
