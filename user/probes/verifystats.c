// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "verifystats.h"

#define STATS_PROGS 64
#define STATS_BUF 1024 /* log_level 4 writes two short lines */

int verifier_stats_load(struct bpf_object *obj, int (*load)(void *skel), void *skel)
{
	static char bufs[STATS_PROGS][STATS_BUF];
	const char *names[STATS_PROGS];
	struct bpf_program *prog;
	struct timespec t0, t1;
	int n = 0, err;

	if (!getenv("VIZBPF_VERIFIER_STATS"))
		return load(skel);
	bpf_object__for_each_program(prog, obj) {
		if (n == STATS_PROGS || !bpf_program__autoload(prog))
			continue;
		bufs[n][0] = '\0';
		bpf_program__set_log_buf(prog, bufs[n], STATS_BUF);
		bpf_program__set_log_level(prog, 4);
		names[n++] = bpf_program__name(prog);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = load(skel);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < n; i++) {
		char *l = bufs[i], *nl;

		/* "processed N insns (limit ...) ..." and "verification time N usec" */
		fprintf(stderr, "vizbpf: verifier: %s %s:", bpf_object__name(obj), names[i]);
		for (; *l; l = nl + 1) {
			nl = strchr(l, '\n');
			if (!nl)
				nl = l + strlen(l) - 1;
			if (!strncmp(l, "processed ", 10) || !strncmp(l, "verification time", 17))
				fprintf(stderr, " %.*s;", (int)(nl - l), l);
			if (!nl[1])
				break;
		}
		fputc('\n', stderr);
	}
	fprintf(stderr, "vizbpf: verifier: %s loaded in %.1f ms\n", bpf_object__name(obj),
		((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e6);
	return err;
}
