/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracer's ring buffer made before its skeleton loads: creating a 16 MiB ring buffer map
 * allocates and clears its pages, and mapping it into vizbpf maps each of them (~5 ms, on the
 * launched program's hold at exec). Started on a thread at the exec, while the skeletons load;
 * the tracer then takes the map (bpf_map__reuse_fd) and its reader as they are.
 */
#ifndef VIZBPF_EARLYRING_H
#define VIZBPF_EARLYRING_H

#include <stdint.h>
#include <bpf/libbpf.h>

/* Starts making a ring buffer map of bytes and its reader calling fn(ctx, ...), on a thread. */
void earlyring_start(uint64_t bytes, ring_buffer_sample_fn fn, void *ctx);

/* The map's fd (the caller owns it) and *rb, if made for (bytes, fn, ctx); else -1. Waits for
 * the thread. */
int earlyring_take(uint64_t bytes, ring_buffer_sample_fn fn, void *ctx, struct ring_buffer **rb);

/* Frees what was not taken. */
void earlyring_discard(void);

#endif
