// SPDX-License-Identifier: BSD-2-Clause
/* --log_exception's output: where the exception was raised, on the thread that raised it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "symbols/exclayout.h"
#include "symbols/pystr.h"
#include "user/slices/excslices.h"

void exc_instant_write(struct trace_writer *w, const struct vz_rec_exception *r, size_t size,
		       uint64_t ts_ns, const char *function_json, size_t function_len)
{
	char type[VZ_EXC_TYPE_MAX + 1], msg[VZ_EXC_MSG_MAX * 4 + 8];
	char qtype[sizeof(type) * 6 + 2], qmsg[sizeof(msg) * 6 + 2];
	size_t head = offsetof(struct vz_rec_exception, lines), lines;
	char *args;
	int line = r->lineno;

	if (!w)
		return;
	memcpy(type, r->type, VZ_EXC_TYPE_MAX);
	type[VZ_EXC_TYPE_MAX] = '\0';
	if (!type[0])
		snprintf(type, sizeof(type), "?");
	if (r->msg_hdr.kind)
		pystr_to_utf8(&r->msg_hdr, r->msg, msg, sizeof(msg));
	else
		msg[0] = '\0';
	/* 3.11+: tb_lineno is computed lazily; the location table says it. */
	lines = size > head ? size - head : 0;
	if (lines > r->lines_len)
		lines = r->lines_len;
	if (line < 0 && lines)
		line = exc_line_from_table(r->lines, lines, r->firstlineno, r->lasti);
	json_quote(qtype, sizeof(qtype), type, strlen(type));
	json_quote(qmsg, sizeof(qmsg), msg, strlen(msg));
	args = malloc(strlen(qtype) + strlen(qmsg) + function_len + 96);
	if (!args)
		return;
	sprintf(args, "{\"type\":%s,\"message\":%s,\"function\":%.*s,\"line\":%d}", qtype, qmsg,
		function_json ? (int)function_len : 4, function_json ? function_json : "null",
		line);
	trace_writer_instant_cat(w, "exception", type, ts_ns, r->hdr.pid, r->hdr.tid, 't', args);
	free(args);
}
