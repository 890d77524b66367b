/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --tracer_entries N, the flight recorder: each output keeps only the last N slices of each
 * process (user/slices/outputs.h), and SIGUSR1 to vizbpf writes a snapshot of them without
 * stopping: FILE_1.EXT, FILE_2.EXT... (-o's name numbered), the calls open at that moment ending
 * then. The end of tracing writes -o itself as usual.
 */
#ifndef VZ_FLIGHT_H
#define VZ_FLIGHT_H

#include <stdint.h>

struct outputs;
struct events;
struct procs;

/* With n > 0: outputs keep the last n, SIGUSR1 asks for a snapshot. 0 or -ENOMEM. */
int flight_start(struct outputs *o, uint32_t n);
/* In the tracing loop: writes a snapshot if one was asked for (records read first). */
void flight_check(struct procs *ps, struct outputs *o, struct events *ev);

#endif
