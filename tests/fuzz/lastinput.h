/*
 * lastinput.h -- keep the input being run in a file (campaigns under
 * glibc's malloc check)
 *
 * SYNOPSIS
 *	last_input(data, size);		first thing in LLVMFuzzerTestOneInput
 *
 * DESCRIPTION
 *	Harnesses over libraries that are not instrumented (libopendkim,
 *	libspf2, libxml2) also run under glibc's malloc check
 *	(tests/fuzz/campaign.sh -m), which sees their heap overruns.  It
 *	aborts while holding glibc's malloc lock, so libFuzzer's crash
 *	handler, which allocates, would hang instead of saving the input;
 *	the campaign turns that handler off (-handle_abrt=0) and takes the
 *	input from the file named by FUZZ_LAST_INPUT, which holds the input
 *	being run.  Without that variable this does nothing.
 */
#ifndef LASTINPUT_H
#define LASTINPUT_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
last_input(const uint8_t *data, size_t size)
{
	static int fd = -2;
	const char *path;

	if (fd == -2)
		fd = (path = getenv("FUZZ_LAST_INPUT")) != NULL ?
		    open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (fd >= 0 && ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, data, size, 0);
}

#endif
