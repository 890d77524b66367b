/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracer's ring buffer map made before its skeleton loads: creating a 16 MiB ring buffer
 * map allocates and clears its pages (~3 ms of the launched program's hold at exec). Made on
 * a thread at the exec, while the skeletons load; the tracer takes it (bpf_map__reuse_fd).
 * It is mapped into vizbpf only after the load, as before: mapped during it, its 32 MB of
 * mappings were resident while two copies of the kernel's BTF were parsed (peak RSS 41 ->
 * 62 MB).
 */
#ifndef VIZBPF_EARLYRING_H
#define VIZBPF_EARLYRING_H

#include <stdint.h>

/* Starts making a ring buffer map of bytes, on a thread. */
void earlyring_start(uint64_t bytes);

/* The map's fd (the caller owns it), if one of bytes was made; else -1. Waits for the thread. */
int earlyring_take(uint64_t bytes);

/* Closes what was not taken. */
void earlyring_discard(void);

#endif
