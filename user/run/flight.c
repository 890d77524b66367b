// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include "flight.h"
#include "procs.h"
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "user/slices/events.h"
#include "user/slices/meta.h"
#include "user/slices/outputs.h"

static volatile sig_atomic_t snapshot_asked;
static unsigned int snapshots;
static bool started;

static void on_usr1(int sig)
{
	snapshot_asked = 1;
}

int flight_start(struct outputs *o, uint32_t n)
{
	/* No SA_RESTART: the poll wakes up and the snapshot is written at once. */
	struct sigaction sa = { .sa_handler = on_usr1 };

	/* Without --tracer_entries too: SIGUSR1's default would end vizbpf with no trace. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (!n)
		return 0;
	if (outputs_keep_last(o, n))
		return -ENOMEM;
	started = true;
	return 0;
}

struct fill_ctx {
	struct events *ev;
	uint64_t now;
	unsigned int k;
};

static void fill(struct trace_writer *w, uint32_t pid, void *ctx)
{
	struct fill_ctx *f = ctx;

	events_write_open(f->ev, f->now, pid, w);
	write_producer(w);
	trace_writer_meta_u64(w, "snapshot", f->k);
}

void flight_check(struct procs *ps, struct outputs *o, struct events *ev)
{
	struct fill_ctx f;

	if (!snapshot_asked)
		return;
	snapshot_asked = 0;
	if (!started) {
		elog("SIGUSR1: snapshots need --tracer_entries N (the whole trace is written at the "
		     "end); ignored");
		return;
	}
	procs_drain(ps);
	f = (struct fill_ctx){ .ev = ev, .now = monotonic_ns(), .k = ++snapshots };
	outputs_snapshot(o, f.k, fill, &f);
	/* Records wait in the ring buffer meanwhile: how long matters for --buffer_size. */
	vlog("snapshot %u written in %.0f ms", f.k, (monotonic_ns() - f.now) / 1e6);
}
