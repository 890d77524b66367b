// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "verifystats.h"

#define STATS_PROGS 64
#define STATS_BUF 1024 /* log_level 4 writes two short lines */

struct verifier_stats {
	struct bpf_object *obj;
	int n;
	const char *names[STATS_PROGS];
	char bufs[STATS_PROGS][STATS_BUF];
	struct timespec t0;
};

struct verifier_stats *verifier_stats_begin(struct bpf_object *obj)
{
	struct verifier_stats *vs;
	struct bpf_program *prog;

	if (!getenv("VIZBPF_VERIFIER_STATS"))
		return NULL;
	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return NULL;
	vs->obj = obj;
	bpf_object__for_each_program(prog, obj) {
		if (vs->n == STATS_PROGS || !bpf_program__autoload(prog))
			continue;
		bpf_program__set_log_buf(prog, vs->bufs[vs->n], STATS_BUF);
		bpf_program__set_log_level(prog, 4);
		vs->names[vs->n++] = bpf_program__name(prog);
	}
	clock_gettime(CLOCK_MONOTONIC, &vs->t0);
	return vs;
}

void verifier_stats_end(struct verifier_stats *vs)
{
	struct timespec t1;

	if (!vs)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < vs->n; i++) {
		char *l = vs->bufs[i], *nl;

		/* "processed N insns (limit ...) ..." and "verification time N usec" */
		fprintf(stderr, "vizbpf: verifier: %s %s:", bpf_object__name(vs->obj), vs->names[i]);
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
	fprintf(stderr, "vizbpf: verifier: %s loaded in %.1f ms\n", bpf_object__name(vs->obj),
		((t1.tv_sec - vs->t0.tv_sec) * 1e9 + (t1.tv_nsec - vs->t0.tv_nsec)) / 1e6);
	free(vs);
}
