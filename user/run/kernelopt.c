// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "kernelopt.h"
#include "user/probes/tracer.h"

#define KERNEL_ALL (TRACER_KERNEL_SYSCALLS | TRACER_KERNEL_SCHED)

int kernel_parse(const char *list, char *why, size_t cap)
{
	char buf[256], *save = NULL, *item;
	int flags = 0;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf) || !*buf) {
		snprintf(why, cap, "--kernel needs a list: syscalls,sched or all");
		return -1;
	}
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (!strcmp(item, "syscalls"))
			flags |= TRACER_KERNEL_SYSCALLS;
		else if (!strcmp(item, "sched"))
			flags |= TRACER_KERNEL_SCHED;
		else if (!strcmp(item, "all"))
			flags |= KERNEL_ALL;
		else if (!strcmp(item, "cpu") || !strcmp(item, "memory")) {
			snprintf(why, cap, "--kernel %s is not supported yet (supported: syscalls, sched, all)",
				 item);
			return -1;
		} else {
			snprintf(why, cap, "--kernel: unknown kind '%s' (expected syscalls, sched or all)",
				 item);
			return -1;
		}
	}
	if (!flags) {
		snprintf(why, cap, "--kernel needs a list: syscalls,sched or all");
		return -1;
	}
	return flags;
}

const char *kernel_describe(unsigned flags)
{
	switch (flags & KERNEL_ALL) {
	case TRACER_KERNEL_SYSCALLS: return "syscalls";
	case TRACER_KERNEL_SCHED: return "sched";
	case KERNEL_ALL: return "syscalls,sched";
	}
	return "";
}
