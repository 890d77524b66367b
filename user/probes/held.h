/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The map of what BPF holds stopped (bpf/held.bpf.h): one per run, shared by every BPF object
 * and by the watchdog (user/run/watchdog.c), which lets it all go if vizbpf dies.
 */
#ifndef VZ_HELD_H
#define VZ_HELD_H

#include <stdbool.h>
#include <sys/types.h>

struct bpf_map;

/* Creates the map (before the watchdog forks). Returns its fd or -errno. */
int held_create(void);
/* The map's fd, -1 before held_create. */
int held_fd(void);
/* Makes a skeleton's 'held' map this one (before its load). Returns 0 or -errno. */
int held_share(struct bpf_map *m);
/* tid is let go by user space, or was never stopped. */
void held_forget(pid_t tid);
/* Whether BPF stopped tid and user space has not let it go yet. */
bool held_contains(pid_t tid);
/* The same for a process held at fork (VZ_HELD_PROC), and at exec (VZ_HELD_EXEC). */
void held_forget_proc(pid_t pid);
void held_release_proc(pid_t pid);
void held_release_exec(pid_t pid);
/* Forgets tid and sends pid SIGCONT: how user space lets a BPF stop go. */
void held_release(pid_t pid, pid_t tid);

#endif
