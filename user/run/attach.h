/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attach mode (vizbpf -p PID[,PID...]): trace running CPython processes
 * with nothing injected, from now until Ctrl-C, --duration or their exit;
 * put back what was changed in them on the way out.
 */
#ifndef VZ_ATTACH_H
#define VZ_ATTACH_H

#include "user/slices/events.h"
#include "user/slices/outputs.h"

/* Runs attach mode for env.pids into out through ev, closing out. Returns the exit status. */
int attach_run(struct outputs *out, struct events *ev);

#endif
