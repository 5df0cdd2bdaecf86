/*
 * zonepath.h -- a zone file path per harness process, removed at exit
 *
 * SYNOPSIS
 *	if (zpath[0] == '\0' && zone_path("spf_fuzz") != 0) abort();
 *
 * DESCRIPTION
 *	Harnesses whose input becomes DNS data (spf, dkimkey) write a zone
 *	file for every input and read it with a fresh resolver.  The file
 *	is made once, in /dev/shm when it is writable (no disk I/O per
 *	input), else /tmp, and removed when the process exits.
 */
#ifndef ZONEPATH_H
#define ZONEPATH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char zpath[64];

/* zone_path_cleanup - the zone file goes with the process */
static void
zone_path_cleanup(void)
{
	unlink(zpath);
}

/* zone_path - make zpath, once per process; -1 on failure */
static int
zone_path(const char *stem)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	int fd;

	snprintf(zpath, sizeof(zpath), "%s/%s.XXXXXX", dir, stem);
	if ((fd = mkstemp(zpath)) == -1)
		return -1;
	close(fd);
	atexit(zone_path_cleanup);
	return 0;
}

#endif
