/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Threads and processes BPF stops (SIGSTOP) for vizbpf's user space to release (SIGCONT).
 * An entry is made before the signal is sent; user space removes it when it lets go. The
 * map is created by user space and shared by every BPF object of the run, and a watchdog
 * process holds it too: if vizbpf dies, the watchdog sends SIGCONT to what is still in it
 * (user/run/watchdog.c). Nothing here depends on vizbpf's user space surviving.
 */
#ifndef VZ_HELD_BPF_H
#define VZ_HELD_BPF_H

/* tid -> tgid (a process stopped at fork or exec: its pid -> its pid) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VZ_HELD_MAX);
	__type(key, __u32);
	__type(value, __u32);
} held SEC(".maps");

static __always_inline void held_note(__u32 tid, __u32 tgid)
{
	/* Full (never in practice): the stop is still answered, only not covered if vizbpf dies. */
	bpf_map_update_elem(&held, &tid, &tgid, BPF_ANY);
}

#endif
