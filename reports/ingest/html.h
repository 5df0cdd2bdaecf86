/*
 * html.h -- the self-contained HTML summary of a run (--html FILE)
 */
#ifndef INGEST_HTML_H
#define INGEST_HTML_H

#include <stdio.h>

#include "ingest.h"

struct html;

struct html	*html_new(void);
void		 html_add(struct html *h, const struct report *r);
int		 html_write(struct html *h, FILE *fp);
void		 html_free(struct html *h);

#endif
