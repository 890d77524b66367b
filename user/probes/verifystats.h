/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VIZBPF_VERIFIER_STATS=1: what the kernel's verifier spent on each program as a skeleton loads
 * (instructions processed, time), on stderr. Verification is most of vizbpf's start-up: this
 * is how to see which program to make cheaper. Unset, the load is the skeleton's own.
 */
#ifndef VIZBPF_VERIFYSTATS_H
#define VIZBPF_VERIFYSTATS_H

struct bpf_object;

/* Loads through load(skel); with the variable set, asks each autoloaded program of obj for
 * verifier statistics first and prints them after. Returns what load returned. */
int verifier_stats_load(struct bpf_object *obj, int (*load)(void *skel), void *skel);

#endif
