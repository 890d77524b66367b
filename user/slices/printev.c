// SPDX-License-Identifier: BSD-2-Clause
/* --log_print's output, in the shape of VizTracer's (its print() replaced by an instant). */
#include <stdio.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "export/json.h"
#include "user/slices/printev.h"

void print_instant_write(struct trace_writer *w, const struct vz_rec_print *r, size_t size,
			 uint64_t ts_ns)
{
	char text[JSON_QUOTE_MAX(VZ_PRINT_MAX)], args[sizeof(text) + 128];
	uint32_t n = r->n;

	if (!w || size < offsetof(struct vz_rec_print, text))
		return;
	if (n > VZ_PRINT_MAX)
		n = VZ_PRINT_MAX;
	if (n > size - offsetof(struct vz_rec_print, text))
		n = size - offsetof(struct vz_rec_print, text);
	json_quote(text, sizeof(text), r->text, n);
	snprintf(args, sizeof(args), "{\"string\":%s,\"fd\":%u,\"length\":%llu%s}", text, r->fd,
		 (unsigned long long)r->len, n < r->len ? ",\"truncated\":true" : "");
	trace_writer_instant_cat(w, "instant", "print", ts_ns, r->hdr.pid, r->hdr.tid, 't', args);
}
