/*
 * main.c -- dmarcd: command line, daemon set-up, signals
 *
 * SYNOPSIS
 *	dmarcd [-fnlvV] [-c conf] [-p socket] [-P pidfile] [-u user[:group]]
 *	dmarcd [-c conf] -t FILE... [-a ip] [-H helo] [-s sender] [-r rcpt]
 *	    [-Z zonefile] [-j jobid] [-A user] [-F]
 *
 * DESCRIPTION
 *	Options follow opendmarc(8).  Start-up order: load and check the
 *	configuration (errors go to the terminal), open the milter socket as
 *	root, set TCP_NODELAY on it, write the pid file, load the
 *	configuration again in the final process (every file it names is
 *	read there, from the real root), look UserID up, chroot to
 *	ChangeRootDirectory, drop to UserID, and serve.  Inside the new root
 *	dmarcd opens only HistoryFile (and what failure reports need); a
 *	reload (SIGHUP) reads the configuration there.
 *
 *	libmilter's own signal thread stops the filter on SIGHUP, SIGTERM and
 *	SIGINT.  To make SIGHUP reload (as SIGUSR1 does), smfi_main() runs in
 *	a second thread: it and every thread it creates block those signals,
 *	while the main thread leaves them unblocked with handlers, and Linux
 *	delivers a process signal to the main thread whenever it can take it.
 *	The handlers only write to a pipe; the main thread reloads or calls
 *	smfi_stop() from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

static int sigpipe[2] = { -1, -1 };

struct opts {
	const char	*conffile;
	const char	*sock;
	const char	*pidfile;
	const char	*user;
	const char	*zonefile;
	int		 foreground, check, syslog, verbose, test;
	struct testopts	 to;
};

/* usage - mirror of the man page synopsis */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: dmarcd [-fnlvV] [-c conf] [-p socket] [-P pidfile] "
	    "[-u user[:group]]\n"
	    "       dmarcd [-c conf] -t FILE... [-a ip] [-H helo] [-s sender] "
	    "[-r rcpt]\n"
	    "              [-Z zonefile] [-j jobid] [-A user] [-F]\n");
	exit(1);
}

/* parse_args - getopt into o; returns optind */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int ch;

	while ((ch = getopt(argc, argv,
	    "A:a:c:FfH:hj:lnP:p:r:s:tu:vVZ:")) != -1) {
		switch (ch) {
		case 'A': o->to.auth_user = optarg; break;
		case 'a': o->to.ip = optarg; break;
		case 'c': o->conffile = optarg; break;
		case 'F': o->to.print_ruf = 1; break;
		case 'f': o->foreground = 1; break;
		case 'H': o->to.helo = optarg; break;
		case 'j': o->to.jobid = optarg; break;
		case 'l': o->syslog = 1; break;
		case 'n': o->check = 1; break;
		case 'P': o->pidfile = optarg; break;
		case 'p': o->sock = optarg; break;
		case 'r': o->to.rcpt = optarg; break;
		case 's': o->to.sender = optarg; break;
		case 't': o->test = 1; break;
		case 'u': o->user = optarg; break;
		case 'v': o->verbose++; break;
		case 'V':
			printf("%s %s\n", DMARCD_NAME, PACKAGE_VERSION);
			exit(0);
		case 'Z': o->zonefile = optarg; break;
		default: usage();
		}
	}
	return optind;
}

/* on_signal - async-signal-safe: hand the signal to the main loop */
static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(sigpipe[1], &c, 1);
	errno = saved;
}

/* A UserID looked up before chroot (the new root has no /etc/passwd). */
struct ident {
	uid_t	 uid;
	gid_t	 gid;
};

/* lookup_user - UserID user[:group] into *id, through NSS */
static void
lookup_user(const char *spec, struct ident *id)
{
	char user[256], *colon;
	struct passwd *pw;
	struct group *gr;

	snprintf(user, sizeof(user), "%s", spec);
	if ((colon = strchr(user, ':')) != NULL)
		*colon++ = '\0';
	if ((pw = getpwnam(user)) == NULL)
		fatalx("UserID: no such user '%s'", user);
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	if (colon != NULL) {
		if ((gr = getgrnam(colon)) == NULL)
			fatalx("UserID: no such group '%s'", colon);
		id->gid = gr->gr_gid;
	}
}

/* drop_privileges - become the UserID looked up before */
static void
drop_privileges(const char *spec, const struct ident *id)
{
	if (setgroups(1, &id->gid) != 0 || setgid(id->gid) != 0 ||
	    setuid(id->uid) != 0)
		fatal("cannot change to user %s", spec);
	log_debug("running as %s", spec);
}

/* daemon_setup - open the socket and the rest; returns the socket spec */
static char *
daemon_setup(const struct opts *o, const struct conf *cf)
{
	const char *s, *sock;
	char *spec;

	sock = o->sock != NULL ? o->sock : conf_str(cf, C_SOCKET);
	if (sock == NULL)
		fatalx("no socket: use -p or the Socket key");
	if (conf_isset(cf, C_UMASK))
		umask((mode_t)conf_int(cf, C_UMASK));
	if ((s = conf_str(cf, C_BASEDIRECTORY)) != NULL && chdir(s) != 0)
		fatal("BaseDirectory %s", s);
	if (conf_bool(cf, C_ENABLECOREDUMPS))
		(void)prctl(PR_SET_DUMPABLE, 1);
	if (conf_int(cf, C_MILTERDEBUG) > 0)
		(void)smfi_setdbg((int)conf_int(cf, C_MILTERDEBUG));
	if (strncmp(sock, "unix:", 5) == 0) {	/* libmilter says local: */
		size_t n = strlen(sock) + 2;

		spec = xmalloc(n);
		snprintf(spec, n, "local:%s", sock + 5);
	} else
		spec = xstrdup(sock);
	if (smfi_setconn(spec) != MI_SUCCESS)
		fatalx("invalid socket '%s'", sock);
	if (smfi_register(dmarcd_filter) != MI_SUCCESS)
		fatalx("smfi_register failed");
	if (smfi_opensocket(true) != MI_SUCCESS)
		fatalx("cannot open milter socket %s", sock);
	if (listen_nodelay() > 0)
		log_info("TCP_NODELAY set on listening socket");
	free(spec);
	return xstrdup(sock);
}

/* write_pidfile - our pid, for init scripts */
static void
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "w")) == NULL)
		fatal("pid file %s", path);
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
}

/* milter_thread - smfi_main, then tell the main loop it ended */
static void *
milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	on_signal(0);
	return NULL;
}

/* reload - a new configuration for new connections */
static void
reload(const struct opts *o)
{
	struct dmarcd_cfg *c;
	char err[1024];

	if ((c = cfg_load(o->conffile, o->zonefile, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the running configuration: %s",
		    err);
		return;
	}
	cfg_install(c);
	log_info("configuration reloaded from %s", o->conffile);
}

/* serve - signals in this thread, the milter in another */
static int
serve(const struct opts *o)
{
	struct sigaction sa;
	pthread_t tid;
	unsigned char c;
	int rc = 0;

	if (pipe(sigpipe) != 0)
		fatal("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&tid, NULL, milter_thread, &rc) != 0)
		fatal("pthread_create");
	for (;;) {
		if (read(sigpipe[0], &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			fatal("signal pipe");
		}
		if (c == SIGHUP || c == SIGUSR1)
			reload(o);
		else if (c == SIGTERM || c == SIGINT) {
			log_info("signal %d: stopping", c);
			smfi_stop();
		} else
			break;		/* smfi_main returned */
	}
	pthread_join(tid, NULL);
	return rc == MI_SUCCESS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct dmarcd_cfg *c;
	struct ident id;
	const char *user, *root;
	char *sock, err[1024];
	int first, rc;

	memset(&o, 0, sizeof(o));
	log_init(DMARCD_NAME, 1, 0, 0);
	first = parse_args(argc, argv, &o);
	log_verbose(o.verbose);
	if (o.conffile == NULL)
		o.conffile = access(DMARCD_DEFAULT_CONF, R_OK) == 0 ?
		    DMARCD_DEFAULT_CONF : NULL;
	if ((c = cfg_load(o.conffile, o.zonefile, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (o.check) {
		if (o.verbose)
			conf_dump(c->conf, CONF_DMARCD, stdout);
		cfg_release(c);
		return 0;
	}
	if (o.test) {
		if (first >= argc)
			usage();
		rc = testmode_run(c, &o.to, argv + first, argc - first);
		cfg_release(c);
		return rc;
	}
	if (first != argc)
		usage();
	if (o.syslog || conf_bool(c->conf, C_SYSLOG))
		log_init(DMARCD_NAME, o.foreground, 1,
		    log_facility(conf_str(c->conf, C_SYSLOGFACILITY) ?
		    conf_str(c->conf, C_SYSLOGFACILITY) : "mail"));
	sock = daemon_setup(&o, c->conf);
	if (!o.foreground && conf_bool(c->conf, C_BACKGROUND) &&
	    daemon(1, 0) != 0)
		fatal("daemon");
	write_pidfile(o.pidfile != NULL ? o.pidfile :
	    conf_str(c->conf, C_PIDFILE));
	cfg_release(c);
	/*
	 * again, in the final process (the resolver's thread must be ours)
	 * and before chroot: the files it names are read from the real root
	 */
	if ((c = cfg_load(o.conffile, o.zonefile, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	user = o.user != NULL ? o.user : conf_str(c->conf, C_USERID);
	if (user != NULL)
		lookup_user(user, &id);
	if ((root = conf_str(c->conf, C_CHANGEROOTDIRECTORY)) != NULL &&
	    (chroot(root) != 0 || chdir("/") != 0))
		fatal("ChangeRootDirectory %s", root);
	if (user != NULL)
		drop_privileges(user, &id);
	cfg_install(c);
	ruf_start();
	log_info("%s %s listening on %s", DMARCD_NAME, PACKAGE_VERSION, sock);
	rc = serve(&o);
	ruf_stop(RUF_DRAIN_S);
	cfg_install(NULL);
	free(sock);
	return rc;
}
