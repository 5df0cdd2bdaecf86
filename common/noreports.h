/*
 * noreports.h -- the NoReportsList: addresses and domains that never get
 * a report (aggregate or failure)
 *
 * SYNOPSIS
 *	nr = noreports_load(conf_str(conf, C_NOREPORTSLIST), err, errlen);
 *	if (noreports_match(nr, "dmarc@example.com")) ... skip ...
 *	noreports_free(nr);
 *
 * DESCRIPTION
 *	One entry per line, '#' starts a comment, blank lines are ignored.
 *	An entry is the first word of its line, a leading "mailto:" and
 *	trailing dots dropped, case ignored.  An entry with '@' is an
 *	address and matches that address only; any other is a domain and
 *	matches every address at that domain or below it.
 *
 *	noreports_load(NULL, ...) gives an empty list.  A missing file, or
 *	one of more than NOREPORTS_MAX entries, is an error (NULL, reason in
 *	err): a list silently cut short would send reports the operator
 *	meant to stop.  noreports_add() adds one entry of the same form
 *	(dmarc-reports adds the database's suppressions).
 *
 * WHY A FILE OF ITS OWN
 *	dmarcd (failure reports) and dmarc-reports (aggregate reports) read
 *	the same key; one reader keeps them agreeing on what a line means.
 */
#ifndef NOREPORTS_H
#define NOREPORTS_H

#include <stddef.h>

#define NOREPORTS_MAX	100000

struct noreports {
	char	**e;		/* lower case */
	size_t	  n, cap;
};

struct noreports *noreports_load(const char *path, char *err, size_t errlen);
void	 noreports_add(struct noreports *nr, const char *entry);
int	 noreports_match(const struct noreports *nr, const char *addr);
void	 noreports_free(struct noreports *nr);

#endif
