// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "follow.h"
#include "log.h"
#include "procmem.h"
#include "pystack.h"
#include "symbols/pyinterp.h"

/* A child not stopped by then did not come through the library's fork handler (vfork, a
 * fork from C code without it): it runs untraced. */
#define STOP_WAIT_MS 2000

static int stopped(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the state follows the command name, which may hold spaces */
	return p && (p[2] == 'T' || p[2] == 't');
}

struct pick {
	uint32_t tid, child;
	struct pystack_thread th;
	int found;
};

/* The thread state of the thread that forked (the only thread of the child). */
static int pick_thread(void *ctx, const struct pystack_thread *th)
{
	struct pick *p = ctx;

	if (th->tid == p->tid || th->tid == p->child) {
		p->th = *th;
		p->found = 1;
		return 1;
	}
	return 0;
}

static void name_process(struct follow *f, pid_t pid)
{
	char cmdline[512];

	struct trace_writer *w = outputs_for(f->out, pid);

	proc_cmdline(pid, cmdline, sizeof(cmdline));
	if (w)
		trace_writer_process_name(w, pid, cmdline[0] ? cmdline : "python (forked)");
}

void follow_fork(void *ctx, const struct vz_rec_fork *r)
{
	struct timespec ms = { 0, 1000 * 1000 };
	struct follow *f = ctx;
	pid_t child = r->hdr.pid;
	struct pick pick = { .tid = r->hdr.tid, .child = child };
	struct py_interp pi;
	uint64_t bias;
	char err[256];
	int st = 0;

	for (int i = 0; i < STOP_WAIT_MS && (st = stopped(child)) == 0; i++)
		nanosleep(&ms, NULL);
	if (st != 1) {
		vlog("fork %d -> %d: the child did not stop for us; not followed", r->parent, child);
		f->missed++;
		return;
	}
	if (py_interp__inspect_pid(child, &pi, &bias, err, sizeof(err))) {
		vlog("fork %d -> %d: %s", r->parent, child, err);
		f->missed++;
		kill(child, SIGCONT);
		return;
	}
	pystack_threads(child, f->off, bias + pi.pyruntime_vaddr, pick_thread, &pick);
	if (pick.found) {
		pick.th.tid = child;
		pystack_replay(child, f->off, &pick.th, r->hdr.ts_ns, events_handle, f->ev);
	}
	if (tracer_attach_sites_pid(f->t, child, f->fp->lib, f->fp->entry_off, f->fp->flush_off)) {
		f->missed++;
	} else {
		f->children++;
		name_process(f, child);
	}
	kill(child, SIGCONT);
}
