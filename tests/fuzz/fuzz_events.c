// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer: ring-buffer records to slices (user/slices/events.c, holds.c) on any stream of
 * records: each starts with a byte choosing its type (or a hold); the record's bytes follow,
 * its size is its type's. The trace goes to a memfd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "export/trace_writer.h"
#include "user/slices/events.h"

int vz_verbose;
int vz_quiet = 1;

static const size_t sizes[] = {
	[VZ_REC_CALL] = sizeof(struct vz_rec_call),
	[VZ_REC_RETURN] = sizeof(struct vz_rec_return),
	[VZ_REC_CODE] = sizeof(struct vz_rec_code),
	[VZ_REC_EXIT] = sizeof(struct vz_rec_exit),
	[VZ_REC_THREAD] = sizeof(struct vz_rec_thread),
	[VZ_REC_BATCH] = sizeof(struct vz_rec_batch),
	[VZ_REC_FORK] = sizeof(struct vz_rec_fork),
	[VZ_REC_EXEC] = sizeof(struct vz_rec_exec),
	[VZ_REC_THREAD_NAME] = sizeof(struct vz_rec_thread_name),
};
#define NTYPES (sizeof(sizes) / sizeof(sizes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct events_filter filter = { .max_stack_depth = -1 };
	static _Alignas(8) uint8_t rec[65536];
	struct trace_writer *w;
	struct events *ev;
	char path[64];
	int fd = memfd_create("trace", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	w = trace_writer_open(path);
	ev = w ? events_new(w, &filter) : NULL;
	if (!ev) {
		if (w)
			trace_writer_close(w);
		close(fd);
		return 0;
	}
	/* Small pids, tids and addresses, so records meet each other. */
	while (size > 0) {
		uint8_t op = data[0];
		size_t type = op % (NTYPES + 2), n;

		data++;
		size--;
		if (type >= NTYPES || !sizes[type]) {
			uint32_t pid = size ? data[0] % 4 + 1 : 1;
			uint64_t t = size > 1 ? data[1] * 1000ull : 0;

			if (type == NTYPES)
				events_hold_begin(ev, pid, pid, t, VZ_HOLD_THREAD);
			else
				events_hold_end(ev, pid, t + 500);
			n = size < 2 ? size : 2;
			data += n;
			size -= n;
			continue;
		}
		n = sizes[type];
		if (n > sizeof(rec))
			break;
		memset(rec, 0, n);
		memcpy(rec, data, size < n ? size : n);
		((struct vz_rec_hdr *)rec)->type = type;
		((struct vz_rec_hdr *)rec)->pid %= 4;
		((struct vz_rec_hdr *)rec)->tid %= 8;
		events_handle(ev, rec, n);
		data += size < n ? size : n;
		size -= size < n ? size : n;
	}
	events_finish(ev, 0);
	trace_writer_close(w);
	events_free(ev);
	close(fd);
	return 0;
}
