// SPDX-License-Identifier: BSD-2-Clause
/*
 * `vizbpf view`: options, the listening socket, the browser, and the wait for Ctrl-C, --once or
 * --timeout. The HTTP side is http_serve.c; the pages are export/html_report.c.
 */
#include <arpa/inet.h>
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "http_serve.h"
#include "view.h"

extern char **environ;

struct view_opts {
	const char *path;
	const char *host;
	unsigned int port;
	bool server_only;
	bool once;
	double timeout;		/* seconds; 0: none */
	const char *output;	/* -o: write a single-file report instead of serving */
};

enum {
	OPT_HOST = 1000,
	OPT_ONCE,
	OPT_TIMEOUT,
};

static const struct argp_option view_options[] = {
	{ "port", 'p', "N", 0, "Port to serve on (default 9001; 0: any free port)", 0 },
	{ "host", OPT_HOST, "ADDR", 0, "Address to bind (default 127.0.0.1, loopback only)", 0 },
	{ "server_only", 's', NULL, 0, "Do not open a browser, only print the URL", 0 },
	{ "once", OPT_ONCE, NULL, 0,
	  "Exit once the page has loaded the trace (non-zero if it failed to)", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Stop serving after SECONDS; with --once, a timeout is an error", 0 },
	{ "output", 'o', "FILE.html", 0,
	  "Do not serve: write PATH (.json, .json.gz) as a single-file HTML report", 0 },
	{},
};

static error_t view_parse(int key, char *arg, struct argp_state *state)
{
	struct view_opts *o = state->input;
	char *end;

	switch (key) {
	case 'p': {
		unsigned long v;

		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || v > 65535)
			argp_error(state, "invalid port '%s'", arg);
		o->port = v;
		break;
	}
	case OPT_HOST:
		o->host = arg;
		break;
	case 's':
		o->server_only = true;
		break;
	case OPT_ONCE:
		o->once = true;
		break;
	case OPT_TIMEOUT:
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (errno || *end || !*arg || !(o->timeout > 0) || o->timeout > 1e7)
			argp_error(state, "invalid timeout '%s' (seconds, > 0)", arg);
		break;
	case 'o':
		o->output = arg;
		break;
	case ARGP_KEY_ARG:
		if (o->path)
			argp_error(state, "one PATH only");
		o->path = arg;
		break;
	case ARGP_KEY_END:
		if (!o->path)
			argp_error(state, "PATH is required (a trace file or a folder of traces)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp view_argp = {
	.options = view_options,
	.parser = view_parse,
	.args_doc = "PATH",
	.doc = "Open a trace in the browser with Catapult's trace viewer, like VizTracer's "
	       "vizviewer.\vPATH is a .json, .json.gz or .html trace, or a folder: then an index "
	       "lists the traces in it.",
};

/* Self-pipe: signal handler and server threads write one byte, the main loop polls. */
static int notify_wr = -1;

static void on_signal(int sig)
{
	char q = 'Q';

	if (write(notify_wr, &q, 1) < 0) {
		/* Nothing to do in a signal handler; the pipe is drained by the main loop. */
	}
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* Binds and listens; *port gets the real port (for --port 0). Returns the fd or -1 after one
 * line on stderr. */
static int listen_on(const char *host, unsigned int *port, bool *loopback)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo *ai;
	char ps[8];
	int fd, one = 1, err;

	snprintf(ps, sizeof(ps), "%u", *port);
	err = getaddrinfo(host, ps, &hints, &ai);
	if (err) {
		fprintf(stderr, "vizbpf: cannot use host '%s': %s\n", host, gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* SO_REUSEADDR only skips TIME_WAIT of an earlier run; a live listener still wins. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		err = errno;
		fprintf(stderr, "vizbpf: cannot listen on %s port %u: %s%s\n", host, *port,
			strerror(err), err == EADDRINUSE ? " (choose another with --port)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*loopback = is_loopback(ai->ai_addr);
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* The address a browser on this machine should use to reach host. */
static void make_url(char *buf, size_t cap, const char *host, unsigned int port)
{
	if (!strcmp(host, "0.0.0.0"))
		host = "127.0.0.1";
	else if (!strcmp(host, "::"))
		host = "::1";
	if (strchr(host, ':'))
		snprintf(buf, cap, "http://[%s]:%u/", host, port);
	else
		snprintf(buf, cap, "http://%s:%u/", host, port);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *e;
	char f[PATH_MAX];

	for (p = path; p && *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (snprintf(f, sizeof(f), "%.*s/%s", (int)(e - p), p, prog) < (int)sizeof(f) &&
		    access(f, X_OK) == 0)
			return true;
	}
	return false;
}

/* Starts xdg-open on url with its output silenced. Returns its pid, or -1. */
static pid_t open_browser(const char *url)
{
	char *argv[] = { "xdg-open", (char *)url, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err;

	if (!in_path("xdg-open"))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return err ? -1 : pid;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for Ctrl-C, the page's word (--once) or the timeout. Returns the exit status. */
static int serve_loop(struct view_site *site, int rd, const struct view_opts *o,
		      const char *name)
{
	double deadline = o->timeout > 0 ? now_s() + o->timeout : 0;

	for (;;) {
		struct pollfd pfd = { .fd = rd, .events = POLLIN };
		int ms = -1, n, i;
		char ev[64];

		if (deadline) {
			double left = deadline - now_s();

			ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			if (!o->once)
				return 0;
			fprintf(stderr, "vizbpf: timed out after %gs: no page loaded %s\n",
				o->timeout, name);
			return 1;
		}
		n = read(rd, ev, sizeof(ev));
		for (i = 0; i < n; i++) {
			switch (ev[i]) {
			case 'Q':
				return 0;
			case 'E':
				pthread_mutex_lock(&site->lock);
				fprintf(stderr, "vizbpf: the viewer could not load %s\n",
					site->error ? site->error : name);
				pthread_mutex_unlock(&site->lock);
				if (o->once)
					return 1;
				break;
			case 'L':
			case 'H':
				if (o->once)
					return 0;
				break;
			}
		}
	}
}

/* Fills the site from PATH: a folder, or one trace file. Returns 0 or -1 after one line. */
static int site_from_path(struct view_site *site, const char *path, char **base)
{
	char *tmp;
	struct stat st;

	site->dirfd = -1;
	if (stat(path, &st)) {
		fprintf(stderr, "vizbpf: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		site->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (site->dirfd < 0) {
			fprintf(stderr, "vizbpf: cannot open %s: %s\n", path, strerror(errno));
			return -1;
		}
		site->dir = path;
		return 0;
	}
	tmp = strdup(path);
	*base = tmp ? strdup(basename(tmp)) : NULL;
	free(tmp);
	if (!*base)
		return -1;
	if (!S_ISREG(st.st_mode) || view_kind_of(*base) == VIEW_NONE || (*base)[0] == '.') {
		fprintf(stderr, "vizbpf: %s is not a .json, .json.gz or .html trace\n", path);
		return -1;
	}
	if (access(path, R_OK)) {
		fprintf(stderr, "vizbpf: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	site->file_path = path;
	site->file_name = *base;
	return 0;
}

static int write_report(const struct view_opts *o)
{
	struct viewer_assets a;
	char *tmp = strdup(o->path);
	int err;

	if (!tmp || viewer_assets_load(&a)) {
		free(tmp);
		return 1;
	}
	err = html_report_from_file(o->path, o->output, &a, basename(tmp));
	viewer_assets_free(&a);
	free(tmp);
	return err ? 1 : 0;
}

int view_main(int argc, char **argv)
{
	struct view_opts o = { .host = "127.0.0.1", .port = 9001 };
	struct view_site site = { .dirfd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct MHD_Daemon *d = NULL;
	char url[INET6_ADDRSTRLEN + 32], *base = NULL, *pname = "vizbpf view";
	int pipefd[2] = { -1, -1 }, fd, status = 1;
	bool loopback = true;
	pid_t browser = -1;

	/* Usage messages say "vizbpf view", not "view". */
	argv[0] = pname;
	argp_parse(&view_argp, argc, argv, 0, NULL, &o);
	if (o.output) {
		struct stat st;

		if (!stat(o.path, &st) && S_ISDIR(st.st_mode)) {
			fprintf(stderr, "vizbpf: -o takes one trace file, not a folder\n");
			return 1;
		}
		return write_report(&o);
	}

	pthread_mutex_init(&site.lock, NULL);
	if (site_from_path(&site, o.path, &base))
		goto out;
	/* A lone .html report carries its own viewer; everything else needs ours. */
	if ((site.dirfd >= 0 || view_kind_of(base) != VIEW_HTML) && viewer_assets_load(&site.assets))
		goto out;
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		fprintf(stderr, "vizbpf: pipe: %s\n", strerror(errno));
		goto out;
	}
	notify_wr = site.notify_fd = pipefd[1];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = listen_on(o.host, &o.port, &loopback);
	if (fd < 0)
		goto out;
	site.host_ok = loopback ? o.host : NULL;
	d = http_serve_start(&site, fd);
	if (!d) {
		close(fd);
		goto out;
	}
	make_url(url, sizeof(url), o.host, o.port);
	if (!o.server_only)
		browser = open_browser(url);
	printf("vizbpf view: serving %s on %s%s\n", base ? base : o.path, url,
	       o.once ? " until the page has loaded it" : " (Ctrl-C to stop)");
	if (!o.server_only && browser < 0)
		printf("vizbpf view: no xdg-open here: open %s in a browser\n", url);
	fflush(stdout);
	status = serve_loop(&site, pipefd[0], &o, base ? base : o.path);
out:
	http_serve_stop(d);
	if (browser > 0)
		waitpid(browser, NULL, WNOHANG);
	notify_wr = -1;
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	view_site_free(&site);
	free(base);
	return status;
}

int view_open_after_trace(const char *path)
{
	char url[PATH_MAX + 16], *argv[] = { "view", (char *)path, NULL };
	char *abs;
	pid_t pid;

	if (view_kind_of(path) != VIEW_HTML)
		return view_main(2, argv);
	/* The report needs no server: hand it to the browser and be done. */
	abs = realpath(path, NULL);
	if (!abs) {
		fprintf(stderr, "vizbpf: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* xdg-open takes the path itself: no URL encoding to get wrong. */
	pid = open_browser(abs);
	snprintf(url, sizeof(url), "file://%s", abs);
	free(abs);
	if (pid < 0) {
		printf("vizbpf: no xdg-open here: open %s in a browser\n", url);
		return 0;
	}
	waitpid(pid, NULL, 0);
	return 0;
}
