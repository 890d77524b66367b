// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "kernelopt.h"
#include "user/probes/tracer.h"

#define KERNEL_ALL (TRACER_KERNEL_SYSCALLS | TRACER_KERNEL_SCHED | TRACER_KERNEL_CPU | TRACER_KERNEL_MEMORY)

int kernel_parse(const char *list, char *why, size_t cap)
{
	char buf[256], *save = NULL, *item;
	int flags = 0;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf) || !*buf) {
		snprintf(why, cap, "--kernel needs a list: syscalls,sched,cpu,memory or all");
		return -1;
	}
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (!strcmp(item, "syscalls"))
			flags |= TRACER_KERNEL_SYSCALLS;
		else if (!strcmp(item, "sched"))
			flags |= TRACER_KERNEL_SCHED;
		else if (!strcmp(item, "cpu"))
			flags |= TRACER_KERNEL_CPU;
		else if (!strcmp(item, "memory"))
			flags |= TRACER_KERNEL_MEMORY;
		else if (!strcmp(item, "all"))
			flags |= KERNEL_ALL;
		else {
			snprintf(why, cap, "--kernel: unknown kind '%s' (expected syscalls, sched, cpu, memory or all)",
				 item);
			return -1;
		}
	}
	if (!flags) {
		snprintf(why, cap, "--kernel needs a list: syscalls,sched,cpu,memory or all");
		return -1;
	}
	return flags;
}
