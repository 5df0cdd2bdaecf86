/*
 * conf-keys.c -- print the configuration key table, for check-docs.sh
 *
 * SYNOPSIS
 *	tests/tools/conf-keys
 *
 * DESCRIPTION
 *	One line per key of common/conf.c's table: the name, a tab, and
 *	the default value (empty when the key is unset by default).  The
 *	shell test then needs no C parsing to know which keys exist.
 */
#include <stdio.h>

#include "conf.h"

int
main(void)
{
	const struct conf_key *k;
	size_t i, n;

	k = conf_keys(&n);
	for (i = 0; i < n; i++)
		printf("%s\t%s\n", k[i].name,
		    k[i].defval != NULL ? k[i].defval : "");
	return ferror(stdout) ? 1 : 0;
}
