/*
 * ubanswer.h -- a DNS answer packet as libunbound's struct ub_result
 *
 * Private to ubquery.c (see ubanswer.c).
 */
#ifndef UBANSWER_H
#define UBANSWER_H

#include <stddef.h>

#include <unbound.h>

struct ub_result *ubanswer_result(const char *qname, int qtype,
		    const unsigned char *pkt, size_t len);
struct ub_result *ubanswer_failure(int rcode);

#endif
