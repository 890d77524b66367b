/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VIZBPF_VERIFIER_STATS=1: what the kernel's verifier spent on each program as a skeleton loads
 * (instructions processed, time), on stderr. Verification is most of vizbpf's start-up: this
 * is how to see which program to make cheaper. Unset, nothing is asked or printed.
 */
#ifndef VIZBPF_VERIFYSTATS_H
#define VIZBPF_VERIFYSTATS_H

struct bpf_object;
struct verifier_stats;

/* Before the skeleton's load: with the variable set, asks each autoloaded program of obj for
 * verifier statistics. Returns what verifier_stats_end takes (NULL: nothing asked). */
struct verifier_stats *verifier_stats_begin(struct bpf_object *obj);
/* After it: prints them, and the load's time. Frees vs (NULL is fine). */
void verifier_stats_end(struct verifier_stats *vs);

#endif
