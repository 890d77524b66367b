// SPDX-License-Identifier: BSD-2-Clause
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include "vizbpf.h"
#include "kcpu.h"

/* A comm as ftrace prints it: NUL-terminated, and no blanks (the parsers split on them). */
static void comm_of(char out[17], const char comm[16])
{
	memcpy(out, comm, 16);
	out[16] = '\0';
	for (char *p = out; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '=')
			*p = '_';
	if (!out[0])
		strcpy(out, "<...>");
}

/* ftrace's prev_state letters (fs/proc/array.c's task_state_array order). */
static const char *state_of(uint32_t state, bool preempt)
{
	if (preempt || !(state & 0xff))
		return preempt ? "R+" : "R";
	if ((state & 0x402) == 0x402)
		return "I"; /* TASK_IDLE */
	if (state & 1)
		return "S";
	if (state & 2)
		return "D";
	if (state & 4)
		return "T";
	if (state & 8)
		return "t";
	if (state & 0x10)
		return "X";
	return "Z";
}

static void line(struct kcpu *k, struct trace_writer *w, uint64_t ts, const char *fmt_head,
		 const char *body)
{
	char buf[512];
	int n;

	/* Once per file: the header Catapult recognises ftrace text by, and the clock sync it
	 * requires (parent_ts equal to its own time: the clocks are the same). */
	bool started = false;

	for (int i = 0; i < k->n_started; i++)
		started |= k->started[i] == w;
	if (!started && k->n_started < KCPU_WRITERS) {
		k->started[k->n_started++] = w;
		n = snprintf(buf, sizeof(buf), "# tracer: nop");
		trace_writer_system_line(w, buf, n);
		n = snprintf(buf, sizeof(buf),
			     "<...>-0 (0) [000] .... %llu.%06llu: tracing_mark_write: "
			     "trace_event_clock_sync: parent_ts=%llu.%06llu",
			     (unsigned long long)(ts / 1000000000), (unsigned long long)(ts / 1000 % 1000000),
			     (unsigned long long)(ts / 1000000000), (unsigned long long)(ts / 1000 % 1000000));
		trace_writer_system_line(w, buf, n);
	}
	n = snprintf(buf, sizeof(buf), "%s %llu.%06llu: %s", fmt_head,
		     (unsigned long long)(ts / 1000000000), (unsigned long long)(ts / 1000 % 1000000),
		     body);
	if (n > 0 && (size_t)n < sizeof(buf)) {
		trace_writer_system_line(w, buf, n);
		k->lines++;
	}
}

void kcpu_switch(struct kcpu *k, struct trace_writer *w, const struct vz_rec_switch *r,
		 uint64_t ts)
{
	char head[96], body[320], prev[17], next[17];

	comm_of(prev, r->prev_comm);
	comm_of(next, r->next_comm);
	/* The task the event happened in: the one switched out. */
	snprintf(head, sizeof(head), "%s-%u (%u) [%03u] ....", prev, r->prev_pid, r->prev_tgid,
		 r->cpu);
	snprintf(body, sizeof(body),
		 "sched_switch: prev_comm=%s prev_pid=%u prev_prio=%u prev_state=%s ==> "
		 "next_comm=%s next_pid=%u next_prio=%u", prev, r->prev_pid, r->prev_prio,
		 state_of(r->prev_state, r->hdr.flags & VZ_SWITCH_PREEMPT), next, r->next_pid,
		 r->next_prio);
	line(k, w, ts, head, body);
}

void kcpu_waking(struct kcpu *k, struct trace_writer *w, const struct vz_rec_waking *r,
		 uint64_t ts)
{
	char head[96], body[200], comm[17];

	comm_of(comm, r->comm);
	snprintf(head, sizeof(head), "<...>-%u (-----) [%03u] ....", r->waker_pid, r->cpu);
	/* Perfetto reads sched_waking, Catapult sched_wakeup: the same wake-up as both. */
	snprintf(body, sizeof(body), "sched_waking: comm=%s pid=%u prio=%u target_cpu=%03u", comm,
		 r->hdr.tid, r->prio, r->target_cpu);
	line(k, w, ts, head, body);
	snprintf(body, sizeof(body), "sched_wakeup: comm=%s pid=%u prio=%u target_cpu=%03u", comm,
		 r->hdr.tid, r->prio, r->target_cpu);
	line(k, w, ts, head, body);
}
