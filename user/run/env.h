/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line configuration (VizTracer's option names where they mean the same here). */
#ifndef VZ_ENV_H
#define VZ_ENV_H

#include <stdbool.h>
#include <stdint.h>

#define VZ_MAX_FILTERS 32
#define VZ_MAX_PIDS 64

struct env {
	const char *output;          /* -o: result.json by default */
	char **command;              /* PROGRAM ARGS... after "--" */
	int max_stack_depth;         /* -1: unlimited */
	uint64_t min_duration_ns;    /* 0: keep all */
	const char *include_files[VZ_MAX_FILTERS];
	int n_include;
	const char *exclude_files[VZ_MAX_FILTERS];
	int n_exclude;
	bool ignore_frozen;
	uint64_t ringbuf_bytes;      /* --buffer_size MB */
	int pids[VZ_MAX_PIDS];       /* -p: attach mode */
	int n_pids;
	double duration;             /* --duration SECONDS, 0: until Ctrl-C or the processes end */
	bool pid_suffix;             /* --pid_suffix: one file per process */
	bool inject;                 /* --inject: attach modes load the evaluator library */
	bool all;                    /* --all: every CPython process, running and new */
	const char *comm;            /* --comm NAME: narrows --all */
	const char *cgroup;          /* --cgroup PATH: narrows --all */
	unsigned kernel;             /* --kernel: TRACER_KERNEL_* */
	bool log_gc;                 /* --log_gc: collections as slices */
	bool log_async;              /* --log_async: a track per asyncio task */
	bool log_exception;          /* --log_exception: raised exceptions as instants */
	bool log_audit;              /* --log_audit [REGEX...]: audit events as instants */
	bool log_print;              /* --log_print: writes to stdout/stderr as instants */
	bool log_sparse;             /* --log_sparse: only log_sparse-decorated calls */
	const char *audit_regex[VZ_MAX_FILTERS];
	int n_audit_regex;
	bool output_given;           /* -o was given (-u is then refused) */
	const char *module;          /* -m MODULE: python3 -m MODULE */
	const char *cmd_string;      /* -c CMD: python3 -c CMD */
	bool unique_output;          /* -u: result_<program>_<time>.json */
	const char *output_dir;      /* --output_dir DIR */
	bool open;                   /* --open: vizbpf view the trace once written */
	bool log_func_args;          /* --log_func_args */
	bool log_func_retval;        /* --log_func_retval */
	const void *args_filter;     /* --log_func_args_filter: a compiled regex_t */
	uint32_t tracer_entries;     /* --tracer_entries N: keep the last N slices per process */
};

extern struct env env;

/* Parses argv into env. Exits 64 (usage) on a bad command line, like argp. */
void env_parse(int argc, char **argv);

#endif
