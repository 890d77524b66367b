// SPDX-License-Identifier: BSD-2-Clause
/* argp options. Unknown or unsupported options exit 64 with a one-line reason. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "kernelopt.h"
#include "optextra.h"
#include "rcfile.h"
#include "user/base/log.h"
#include "user/view/site.h"

struct env env = {
	.output = "result.json",
	.max_stack_depth = -1,
	/* 16 MiB: the fastest call loop (leaf calls, launch and uprobe paths, 3.11 and 3.12) loses
	 * records at 4 MiB and none at 8, so 2x margin; the kernel maps the data pages twice
	 * (wrap-around), so this is ~32 MB of vizbpf's RSS, where 64 MiB cost ~130 MB (make bench). */
	.ringbuf_bytes = 16ull << 20,
};

const char *argp_program_version = "vizbpf " VIZBPF_VERSION;
static const char doc[] =
	"vizbpf -- trace every Python call of a program with eBPF, into a Chrome trace.\n"
	"\n"
	"  vizbpf [OPTIONS] -- PROGRAM [ARGS...]   launch PROGRAM and trace it\n"
	"  vizbpf [OPTIONS] -p PID[,PID...]        attach to running processes (Ctrl-C to stop)\n"
	"  vizbpf [OPTIONS] --all                  every CPython process on the host, running or new\n"
	"  vizbpf view PATH                        open a trace in the browser\n"
	"  vizbpf combine [--align] -o OUT FILE... several traces in one\n"
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
	OPT_KERNEL,
	OPT_LOG_GC,
	OPT_LOG_ASYNC,
	OPT_LOG_EXCEPTION,
	OPT_LOG_AUDIT,
	OPT_LOG_PRINT,
	OPT_LOG_SPARSE,
	OPT_UNSUPPORTED,
	OPT_RCFILE,
	OPT_OUTPUT_DIR,
	OPT_OPEN,
	OPT_INJECT,
	OPT_ATTACH,
	OPT_NOOP,
	OPT_TRACER_ENTRIES,
	OPT_LOG_FUNC_ARGS,
	OPT_LOG_FUNC_ARGS_FILTER,
	OPT_LOG_FUNC_RETVAL,
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
	{ "inject", OPT_INJECT, NULL, 0,
	  "Attach modes: load vizbpf's evaluator into each process (launch mode's per-call cost); it stays loaded, unused, after detach" },
	{ "pid_suffix", OPT_PID_SUFFIX, NULL, 0,
	  "One trace file per process: FILE_<pid>.json (FILE.json is -o's)" },
	{ "verbose", 'v', NULL, 0, "More diagnostics (twice: libbpf debug output)" },
	{ "max_stack_depth", OPT_MAX_STACK_DEPTH, "N", 0,
	  "Keep only calls at most N deep (the outermost call is depth 1)" },
	{ "min_duration", OPT_MIN_DURATION, "T", 0,
	  "Keep only calls lasting at least T (13us, 0.3ms, 1s; a bare number: microseconds)" },
	{ "include_files", OPT_INCLUDE_FILES, "PATH", 0,
	  "Keep only functions whose file is under PATH (repeatable)" },
	{ "exclude_files", OPT_EXCLUDE_FILES, "PATH", 0,
	  "Drop functions whose file is under PATH (repeatable)" },
	{ "ignore_frozen", OPT_IGNORE_FROZEN, NULL, 0, "Drop functions of frozen modules" },
	{ "ignore_c_function", OPT_IGNORE_C_FUNCTION, NULL, 0,
	  "Accepted for VizTracer compatibility: vizbpf records Python functions only" },
	{ "buffer_size", OPT_BUFFER_SIZE, "MB", 0,
	  "BPF ring buffer size in MiB, a power of two (default 16)" },
	{ "kernel", OPT_KERNEL, "LIST", 0,
	  "Add the traced processes' kernel activity (comma-separated): syscalls, sched (off-CPU "
	  "time), cpu (CPU tracks), memory (RSS, page faults), or all" },
	{ "log_gc", OPT_LOG_GC, NULL, 0,
	  "Garbage collections as slices (cat gc) on the thread that ran them, and VizTracer's "
	  "'garbage collection' counter" },
	{ "log_exception", OPT_LOG_EXCEPTION, NULL, 0,
	  "Exceptions raised in Python code as instants (cat exception) on their thread: type, "
	  "message, function and line" },
	{ "log_print", OPT_LOG_PRINT, NULL, 0,
	  "What the program writes to stdout and stderr as instants named 'print' on the writing "
	  "thread (the write system call: first 200 bytes, and the length)" },
	{ "log_sparse", OPT_LOG_SPARSE, NULL, 0,
	  "Record only calls of functions decorated with vizbpf_events.log_sparse (and their "
	  "subtree to the stack_depth asked)" },
	{ "log_audit", OPT_LOG_AUDIT, NULL, 0,
	  "Audit events (sys.audit, PySys_Audit) as instants; REGEX... right after it (before "
	  "--) keep only events whose name they match" },
	{ "tracer_entries", OPT_TRACER_ENTRIES, "N", 0,
	  "Flight recorder: keep only the last N slices of each process; kill -USR1 writes a "
	  "snapshot (FILE_1.json, ...) without stopping" },
	{ "log_async", OPT_LOG_ASYNC, NULL, 0,
	  "Each asyncio task on a track of its own, named after the task: the steps of its "
	  "coroutine and what they call" },
	{ "log_func_args", OPT_LOG_FUNC_ARGS, NULL, 0,
	  "Each call's arguments in its slice's args (read from the frame as the call starts)" },
	{ "log_func_retval", OPT_LOG_FUNC_RETVAL, NULL, 0,
	  "Each call's return value in its slice's args (not when it raised)" },
	{ "log_func_args_filter", OPT_LOG_FUNC_ARGS_FILTER, "REGEX", 0,
	  "With --log_func_args / --log_func_retval: only for functions whose "
	  "'qualname (file:line)' matches REGEX" },
	{ "module", 'm', "MODULE", 0,
	  "Run python3 -m MODULE ARGS... (python3 from PATH); ends vizbpf's options" },
	{ "cmd_string", 'c', "CMD", 0,
	  "Run python3 -c CMD ARGS... (python3 from PATH); ends vizbpf's options" },
	{ "unique_output_file", 'u', NULL, 0,
	  "Write to result_<program>_<time>.json instead of result.json" },
	{ "output_dir", OPT_OUTPUT_DIR, "DIR", 0, "Put the output file(s) in DIR (created if absent)" },
	{ "open", OPT_OPEN, NULL, 0, "Open the trace in vizbpf view when it is written" },
	{ "rcfile", OPT_RCFILE, "FILE", 0,
	  "VizTracer rc file ([default] section; ./.viztracerrc is read when present)" },
	{ "attach", OPT_ATTACH, "PID", OPTION_HIDDEN }, /* VizTracer's name for -p */
	{ NULL, 't', "SECONDS", OPTION_HIDDEN },         /* VizTracer's name for --duration */
	/* VizTracer options whose meaning always holds here: accepted (see the README's table). */
	{ "file_info", OPT_NOOP, NULL, OPTION_HIDDEN },
	{ "log_exit", OPT_NOOP, NULL, OPTION_HIDDEN },
	{ "minimize_memory", OPT_NOOP, NULL, OPTION_HIDDEN },
	{ "sanitize_function_name", OPT_NOOP, NULL, OPTION_HIDDEN },
	{ "log_subprocess", OPT_NOOP, NULL, OPTION_HIDDEN },
	{ "log_multiprocess", OPT_NOOP, NULL, OPTION_HIDDEN },
	/* VizTracer options that cannot mean the same thing here (yet): refuse, never ignore. */
#define REFUSED(name) { name, OPT_UNSUPPORTED, "X", OPTION_HIDDEN | OPTION_ARG_OPTIONAL }
	REFUSED("log_func_with_objprint"), REFUSED("log_func_repr"),
	REFUSED("log_torch"), REFUSED("log_var"),
	REFUSED("log_number"), REFUSED("log_attr"), REFUSED("log_func_exec"),
	REFUSED("log_func_entry"), REFUSED("magic_comment"), REFUSED("plugins"),
	REFUSED("trace_self"), REFUSED("ignore_multiprocess"), REFUSED("dump_raw"),
	REFUSED("subprocess_child"), REFUSED("patch_only"), REFUSED("compress"),
	REFUSED("decompress"), REFUSED("attach_installed"), REFUSED("uninstall"),
	REFUSED("combine"), REFUSED("align_combine"), REFUSED("generate_flamegraph"),
	REFUSED("save_flamegraph"),
#undef REFUSED
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

/* VizTracer's --min_duration: "13us", "0.3ms", "1s" or a number of microseconds. */
static uint64_t parse_min_duration(struct argp_state *state, const char *arg)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "", 1e3 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "ns", 1 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	for (size_t i = 0; end != arg && !errno && isfinite(v) && v >= 0; i++) {
		if (i == sizeof(units) / sizeof(units[0]))
			break;
		if (!strcmp(end, units[i].unit) && v * units[i].ns <= 1e18)
			return (uint64_t)(v * units[i].ns + 0.5);
	}
	argp_error(state, "invalid --min_duration '%s' (e.g. 13us, 0.3ms, 1s; a bare number is us)",
		   arg);
	return 0;
}

/* What -u names the output after: the module, the script, or "python". */
static const char *unique_base(void)
{
	char **c = env.command;
	const char *slash;

	if (env.module)
		return env.module;
	if (env.cmd_string || !c || !c[0])
		return "python";
	slash = strrchr(c[0], '/');
	if (!strncmp(slash ? slash + 1 : c[0], "python", 6))
		return c[1] && c[1][0] != '-' ? c[1] : "python";
	return c[0];
}

#define MAX_DURATION_S 1e9 /* about 31 years */
#define MAX_BUFFER_MB 2048

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	long v;

	switch (key) {
	case 'o':
		env.output = arg;
		env.output_given = true;
		break;
	case 'm':
	case 'c':
		/* As with python itself, what follows -m MODULE / -c CMD is the program's. */
		*(key == 'm' ? &env.module : &env.cmd_string) = arg;
		env.command = &state->argv[state->next];
		state->next = state->argc;
		break;
	case 'u':
		env.unique_output = true;
		break;
	case OPT_OUTPUT_DIR:
		env.output_dir = arg;
		break;
	case OPT_OPEN:
		env.open = true;
		break;
	case OPT_RCFILE: /* read before argp (rcfile_expand) */
	case OPT_NOOP:
		break;
	case OPT_LOG_FUNC_ARGS:
		env.log_func_args = true;
		break;
	case OPT_LOG_FUNC_RETVAL:
		env.log_func_retval = true;
		break;
	case OPT_LOG_FUNC_ARGS_FILTER: {
		static regex_t re;
		char msg[128];
		int e = regcomp(&re, arg, REG_EXTENDED | REG_NOSUB);

		if (e) {
			regerror(e, &re, msg, sizeof(msg));
			argp_error(state, "--log_func_args_filter '%s': %s", arg, msg);
		}
		env.args_filter = &re;
		break;
	}
	case OPT_TRACER_ENTRIES:
		env.tracer_entries = parse_num(state, arg, 1, 1L << 30);
		break;
	case OPT_ATTACH:
		return parse_opt('p', arg, state);
	case 't':
		return parse_opt(OPT_DURATION, arg, state);
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
	case OPT_LOG_GC:
		env.log_gc = true;
		break;
	case OPT_LOG_ASYNC:
		env.log_async = true;
		break;
	case OPT_LOG_EXCEPTION:
		env.log_exception = true;
		break;
	case OPT_LOG_PRINT:
		env.log_print = true;
		break;
	case OPT_INJECT:
		env.inject = true;
		break;
	case OPT_LOG_SPARSE:
		env.log_sparse = true;
		break;
	case OPT_LOG_AUDIT:
		env.log_audit = true;
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
		env.min_duration_ns = parse_min_duration(state, arg);
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
	case OPT_KERNEL: {
		char why[160];
		int k = kernel_parse(arg, why, sizeof(why));

		if (k < 0)
			argp_error(state, "%s", why);
		env.kernel |= k;
		break;
	}
	case OPT_UNSUPPORTED: {
		/* "--opt VALUE" leaves the option one slot further back than "--opt=VALUE". */
		const char *name = state->argv[state->next - 1], *why;
		int len;

		if (arg && name == arg && state->next >= 2)
			name = state->argv[state->next - 2];
		len = strcspn(name, "=");
		why = optextra_refusal(name);
		if (why)
			argp_error(state, "option '%.*s' is not supported by vizbpf: %s", len, name, why);
		argp_error(state, "option '%.*s' is not supported by vizbpf yet", len, name);
		break;
	}
	case ARGP_KEY_ARG:
		/* --log_audit REGEX...: VizTracer's form; the program comes after "--". */
		if (env.log_audit && state->next >= 2 && !env.command &&
		    strcmp(state->argv[state->next - 2], "--") &&
		    (!strcmp(state->argv[state->next - 2], "--log_audit") ||
		     (env.n_audit_regex &&
		      state->argv[state->next - 2] == env.audit_regex[env.n_audit_regex - 1]))) {
			regex_t re;
			char anchored[4096];

			if (env.n_audit_regex == VZ_MAX_FILTERS)
				argp_error(state, "too many --log_audit regexes (max %d)", VZ_MAX_FILTERS);
			snprintf(anchored, sizeof(anchored), "^(%s)", arg);
			if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB))
				argp_error(state, "--log_audit '%s': not a valid regular expression", arg);
			regfree(&re);
			env.audit_regex[env.n_audit_regex++] = arg;
			break;
		}
		/* The first non-option starts the program's own command line. */
		env.command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (env.args_filter && !env.log_func_args && !env.log_func_retval)
			argp_error(state, "--log_func_args_filter narrows --log_func_args or "
				   "--log_func_retval: add one");
		if ((env.module || env.cmd_string) && (env.n_pids || env.all))
			argp_error(state, "-m and -c launch a program: not with -p PID / --all");
		if (env.module || env.cmd_string) {
			env.command = optextra_python_command(env.module, env.cmd_string, env.command);
			if (!env.command)
				exit(64);
		}
		if (env.unique_output && env.output_given)
			argp_error(state, "-u names the output itself: not with -o");
		if (env.unique_output)
			env.output = optextra_unique_name(unique_base());
		if (env.output_dir) {
			env.output = optextra_in_dir(env.output_dir, env.output);
			if (!env.output)
				exit(64);
		}
		if ((env.comm || env.cgroup) && !env.all)
			argp_error(state, "--comm and --cgroup narrow --all: add --all");
		if ((env.n_pids || env.all) && env.command)
			argp_error(state, "give either -p PID / --all or a program to launch, not both");
		if (!env.n_pids && !env.all && !env.command)
			argp_error(state, "no program given: vizbpf [OPTIONS] -- PROGRAM [ARGS...]");
		if (env.duration && !env.n_pids && !env.all)
			argp_error(state, "--duration is for the attach modes (-p PID, --all)");
		if (env.inject && !env.n_pids && !env.all)
			argp_error(state, "--inject is for the attach modes (-p PID, --all): a launched program gets the evaluator anyway");
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

/* For the rc file: 1 if the long option NAME takes a value, 0 for a flag, -1 if unknown. */
static int takes_arg(const char *name)
{
	for (const struct argp_option *o = options; o->name || o->key; o++)
		if (o->name && !strcmp(o->name, name))
			return o->arg ? 1 : 0;
	return -1;
}

void env_parse(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "-- PROGRAM [ARGS...]\n-p PID[,PID...]\n--all", doc };

	argv = rcfile_expand(argc, argv, &argc, takes_arg);
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
}
