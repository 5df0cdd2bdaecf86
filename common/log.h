/*
 * log.h -- logging for the programs: stderr and/or syslog
 *
 * SYNOPSIS
 *	log_init(progname, to_stderr, to_syslog, facility);
 *	log_warn("open %s", path);	(appends strerror(errno))
 *	log_warnx / log_info / log_debug / fatal / fatalx
 *
 * DESCRIPTION
 *	The OpenBSD vocabulary.  log_debug prints only when the verbosity
 *	set by log_verbose() is at least 1 (2 for log_debug2).  Thread-safe:
 *	each line is formatted into a local buffer and written with one call.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void	log_init(const char *progname, int to_stderr, int to_syslog,
	    int facility);
void	log_verbose(int level);
int	log_getverbose(void);
/* log_facility - syslog facility by name ("mail", "local0"...), -1 if none */
int	log_facility(const char *name);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug2(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
