/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attach mode (vizbpf -p PID[,PID...]): trace running CPython processes
 * with nothing injected, from now until Ctrl-C, --duration or their exit;
 * put back what was changed in them on the way out.
 */
#ifndef VZ_ATTACH_H
#define VZ_ATTACH_H

#include "events.h"
#include "export/trace_writer.h"

/* Runs attach mode for env.pids into w through ev. Returns vizbpf's exit status. */
int attach_run(struct trace_writer *w, struct events *ev);

#endif
