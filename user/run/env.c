// SPDX-License-Identifier: BSD-2-Clause
/* argp options. Unknown or unsupported options exit 64 with a one-line reason. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "user/base/log.h"
#include "user/view/site.h"

struct env env = {
	.output = "result.json",
	.max_stack_depth = -1,
	.ringbuf_bytes = 64ull << 20,
};

const char *argp_program_version = "vizbpf " VIZBPF_VERSION;
static const char doc[] =
	"vizbpf -- trace every Python call of a program with eBPF, into a Chrome trace.\n"
	"\n"
	"  vizbpf [OPTIONS] -- PROGRAM [ARGS...]   launch PROGRAM and trace it\n"
	"  vizbpf [OPTIONS] -p PID[,PID...]        attach to running processes (Ctrl-C to stop)\n"
	"  vizbpf [OPTIONS] --all                  every CPython process on the host, running or new\n"
	"  vizbpf view PATH                        open a trace in the browser\n"
	"\n"
	"Output: result.json by default; -o FILE.json.gz is gzip-compressed. Needs root (BPF).";

enum {
	OPT_MAX_STACK_DEPTH = 1000,
	OPT_MIN_DURATION,
	OPT_INCLUDE_FILES,
	OPT_EXCLUDE_FILES,
	OPT_IGNORE_FROZEN,
	OPT_IGNORE_C_FUNCTION,
	OPT_BUFFER_SIZE,
	OPT_DURATION,
	OPT_PID_SUFFIX,
	OPT_ALL,
	OPT_COMM,
	OPT_CGROUP,
	OPT_UNSUPPORTED,
};

static const struct argp_option options[] = {
	{ "output_file", 'o', "FILE", 0, "Trace file (default result.json; .json.gz compresses)" },
	{ "quiet", 'q', NULL, 0, "Print only errors" },
	{ "pid", 'p', "PID[,PID...]", 0, "Attach to running CPython processes instead of launching one" },
	{ "all", OPT_ALL, NULL, 0,
	  "Trace every CPython process on the host: those running and those started meanwhile" },
	{ "comm", OPT_COMM, "NAME", 0,
	  "With --all: only processes whose comm is NAME, or whose script (its base name, with or without .py) or -m module is NAME" },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "With --all: only processes in cgroup PATH or below (e.g. a container's)" },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Attach modes: detach after SECONDS" },
	{ "pid_suffix", OPT_PID_SUFFIX, NULL, 0,
	  "One trace file per process: FILE_<pid>.json (FILE.json is -o's)" },
	{ "verbose", 'v', NULL, 0, "More diagnostics (twice: libbpf debug output)" },
	{ "max_stack_depth", OPT_MAX_STACK_DEPTH, "N", 0,
	  "Keep only calls at most N deep (the outermost call is depth 1)" },
	{ "min_duration", OPT_MIN_DURATION, "US", 0, "Keep only calls lasting at least US microseconds" },
	{ "include_files", OPT_INCLUDE_FILES, "PATH", 0,
	  "Keep only functions whose file is under PATH (repeatable)" },
	{ "exclude_files", OPT_EXCLUDE_FILES, "PATH", 0,
	  "Drop functions whose file is under PATH (repeatable)" },
	{ "ignore_frozen", OPT_IGNORE_FROZEN, NULL, 0, "Drop functions of frozen modules" },
	{ "ignore_c_function", OPT_IGNORE_C_FUNCTION, NULL, 0,
	  "Accepted for VizTracer compatibility: vizbpf records Python functions only" },
	{ "buffer_size", OPT_BUFFER_SIZE, "MB", 0,
	  "BPF ring buffer size in MiB, a power of two (default 64)" },
	/* VizTracer options that cannot mean the same thing here (yet): refuse, never ignore. */
	{ "tracer_entries", OPT_UNSUPPORTED, "N", OPTION_HIDDEN },
	{ "log_func_args", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{ "log_func_retval", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{ "log_async", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{ "log_gc", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{ "log_audit", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{ "open", OPT_UNSUPPORTED, NULL, OPTION_HIDDEN },
	{},
};

static long parse_num(struct argp_state *state, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "invalid number '%s' (expected %ld..%ld)", arg, min, max);
	return v;
}

#define MAX_DURATION_S 1e9 /* about 31 years */
#define MAX_BUFFER_MB 2048

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	long v;

	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case 'q':
		vz_quiet = 1;
		break;
	case 'p': {
		char *copy = strdup(arg), *tok, *save = NULL;

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (env.n_pids == VZ_MAX_PIDS)
				argp_error(state, "too many pids (max %d)", VZ_MAX_PIDS);
			long pid = parse_num(state, tok, 1, 0x3fffffff);
			bool again = false;

			for (int i = 0; i < env.n_pids; i++)
				again |= env.pids[i] == pid;
			if (!again) /* -p T,T is T once */
				env.pids[env.n_pids++] = pid;
		}
		free(copy);
		break;
	}
	case OPT_PID_SUFFIX:
		env.pid_suffix = true;
		break;
	case OPT_ALL:
		env.all = true;
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) > 255 || strchr(arg, '/'))
			argp_error(state, "--comm '%s': a process or script name is 1 to 255 characters, no '/'", arg);
		env.comm = arg;
		break;
	case OPT_CGROUP:
		env.cgroup = arg;
		break;
	case OPT_DURATION: {
		char *end;

		errno = 0;
		env.duration = strtod(arg, &end);
		/* inf, nan and values past a nanosecond count's range would detach at once or never */
		if (errno || end == arg || *end || !isfinite(env.duration) || env.duration <= 0 ||
		    env.duration > MAX_DURATION_S)
			argp_error(state, "invalid --duration '%s' (seconds: a number > 0 and at most %g)",
				   arg, MAX_DURATION_S);
		break;
	}
	case 'v':
		vz_verbose++;
		break;
	case OPT_MAX_STACK_DEPTH:
		env.max_stack_depth = parse_num(state, arg, 1, 1000000);
		break;
	case OPT_MIN_DURATION:
		env.min_duration_ns = (uint64_t)parse_num(state, arg, 0, 1000000000L) * 1000;
		break;
	case OPT_INCLUDE_FILES:
		if (env.n_include == VZ_MAX_FILTERS)
			argp_error(state, "too many --include_files (max %d)", VZ_MAX_FILTERS);
		env.include_files[env.n_include++] = arg;
		break;
	case OPT_EXCLUDE_FILES:
		if (env.n_exclude == VZ_MAX_FILTERS)
			argp_error(state, "too many --exclude_files (max %d)", VZ_MAX_FILTERS);
		env.exclude_files[env.n_exclude++] = arg;
		break;
	case OPT_IGNORE_FROZEN:
		env.ignore_frozen = true;
		break;
	case OPT_IGNORE_C_FUNCTION:
		break;
	case OPT_BUFFER_SIZE:
		/* The kernel takes a ring buffer of at most 2^31 bytes (a power of two in 32 bits). */
		v = parse_num(state, arg, 1, MAX_BUFFER_MB);
		if (v & (v - 1))
			argp_error(state, "--buffer_size must be a power of two, got %ld", v);
		env.ringbuf_bytes = (uint64_t)v << 20;
		break;
	case OPT_UNSUPPORTED: {
		/* "--opt VALUE" leaves the option one slot further back than "--opt=VALUE". */
		const char *name = state->argv[state->next - 1];

		if (arg && name == arg && state->next >= 2)
			name = state->argv[state->next - 2];
		argp_error(state, "option '%s' is not supported by vizbpf yet", name);
		break;
	}
	case ARGP_KEY_ARG:
		/* The first non-option starts the program's own command line. */
		env.command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if ((env.comm || env.cgroup) && !env.all)
			argp_error(state, "--comm and --cgroup narrow --all: add --all");
		if ((env.n_pids || env.all) && env.command)
			argp_error(state, "give either -p PID / --all or a program to launch, not both");
		if (!env.n_pids && !env.all && !env.command)
			argp_error(state, "no program given: vizbpf [OPTIONS] -- PROGRAM [ARGS...]");
		if (env.duration && !env.n_pids && !env.all)
			argp_error(state, "--duration is for the attach modes (-p PID, --all)");
		/* What `vizbpf view` opens: anything else would be written as JSON it refuses. */
		if (view_kind_of(env.output) == VIEW_NONE)
			argp_error(state, "-o '%s': the name must end in .json, .json.gz or .html",
				   env.output);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void env_parse(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "-- PROGRAM [ARGS...]\n-p PID[,PID...]\n--all", doc };

	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
}
