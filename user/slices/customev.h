/* SPDX-License-Identifier: BSD-2-Clause */
/* Custom events (share/vizbpf_events.py): records (VZ_REC_CUSTOM) -> instants, counters, spans. */
#ifndef VZ_CUSTOMEV_H
#define VZ_CUSTOMEV_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct customev;
struct vz_rec_custom;

struct customev *customev_new(void);
void customev_free(struct customev *c);
/*
 * One record at ts_ns (program time): instant() an instant (cat "instant", args {"value"}),
 * counter() a "C" event (numeric series only), span.__enter__ opens a span that its __exit__
 * closes as an X slice (cat "FEE", VizTracer's log_event shape) from the __enter__ call to
 * just before the __exit__ call, so the two calls' own slices nest under or after it.
 */
void customev_handle(struct customev *c, struct trace_writer *w, const struct vz_rec_custom *r,
		     size_t size, uint64_t ts_ns);
/* Spans never closed (the program ended inside one): how many, dropped. */
uint64_t customev_open_spans(const struct customev *c);

#endif
