// SPDX-License-Identifier: BSD-2-Clause
/*
 * One skeleton per traced interpreter: the offsets of its CPython version
 * go to rodata before load, so the verifier drops the other versions' paths.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "vizbpf.h"
#include "vizbpf.skel.h"
#include "symbols/pyoffsets.h"
#include "symbols/pythread_layout.h"
#include "symbols/tasklayout.h"
#include "symbols/pygil.h"
#include "tracer.h"
#include "ktrace.h"

_Static_assert(TRACER_KERNEL_SYSCALLS == KTRACE_SYSCALLS && TRACER_KERNEL_SCHED == KTRACE_SCHED &&
	       TRACER_KERNEL_CPU == KTRACE_CPU && TRACER_KERNEL_MEMORY == KTRACE_MEMORY &&
	       TRACER_LOG_PRINT == KTRACE_PRINT,
	       "ktrace.h and tracer.h name the same flags");
#include "gcprobe.h"
#include "excprobe.h"
#include "auditprobe.h"
#include "user/base/log.h"
#include "held.h"
#include "linkclose.h"
#include "verifystats.h"
#include "earlyprobe.h"
#include "earlyring.h"
#include "kbtf.h"
#include "tracerprobe.h"

/* sched_prepare_exec (handle_prepare_exec) came with Linux 6.10. */
static bool kernel_has_prepare_exec(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	return !uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > 6 || (major == 6 && minor >= 10));
}

struct tracer {
	struct vizbpf_bpf *skel;
	/* TRACER_SITES: site_entry and site_flush, loaded apart from skel (load_split), on the
	 * same maps */
	struct vizbpf_bpf *sites_skel;
	bool multi; /* the uprobes are uprobe_multi links (uplink.h), their programs loaded for it */
	/* The sites were registered early in every process (earlyprobe.h): a link made after the
	 * load would wait for a grace period of its own. */
	bool sites_early;
	bool sites_everywhere; /* the sites are probed in every process that maps the library */
	/* The kernel types the programs read, cut out of the kernel's BTF (kbtf.h); empty: the
	 * kernel's whole BTF (none could be made, or a load with them failed: kbtf_refused). */
	char kbtf[512];
	bool kbtf_refused;
	int ring_fd; /* the ring buffer map made early (earlyring.h), or -1 */
	struct ring_buffer *rb;
	tracer_record_fn record_fn; /* what the ring buffer's records go to */
	void *record_ctx;
	unsigned read_budget, read_now; /* records a tracer_read may still hand over (0: all) */
	struct uplink *entry, *ret, *site_entry, *site_flush; /* of the first pid */
	struct bpf_link *exit;
	struct bpf_link *prepare_exec; /* with the sites: an exec hands the buffer over */
	struct bpf_link *exec; /* an exec'ing thread is new to BPF */
	struct pid_links {
		pid_t pid;
		struct uplink *entry, *ret;
	} *more; /* evaluator probes of the other processes */
	int n_more, cap_more;
	int *pid_reaps; /* linkclose_detached() of tracer_use_sites_pid, waited at detach */
	int n_pid_reaps;
	struct uplink **deallocs; /* code_freed, one per probed process (3.8-3.11) */
	int n_deallocs, cap_deallocs;
	uint64_t code_dealloc_offset; /* 0: not probed (3.12+ have co_version, or not found) */
	pid_t pid;
	int minor;
	char mechanism[160];
	char lib[4096];
	uint64_t evalframe_offset;
	unsigned flags;
	struct bpf_link *klinks[KTRACE_LINKS]; /* --kernel */
	struct gcprobe *gc; /* --log_gc's probes (gcprobe.c), NULL without */
	struct excprobe *exc; /* --log_exception's (excprobe.c) */
	struct auditprobe *audit; /* --log_audit's (auditprobe.c) */
	/* The evaluator probe's links of the first pid, closed in the background once the sites
	 * carry its calls (tracer_use_sites); joined at detach and when that pid execs. */
	struct linkclose reap;
	int reap_done;      /* linkclose_detached()'s fd for the evaluator probe's links, or -1 */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && vz_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && vz_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* The smallest window of the code object covering every field read per call. */
static int code_window(const struct vz_py_offsets *o, __u32 *start)
{
	__s32 f[] = { o->code_flags, o->code_firstlineno, o->code_name, o->code_qualname,
		      o->code_filename, o->code_version };
	__s32 lo = INT32_MAX, hi = 0;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i] < 0)
			continue;
		lo = f[i] < lo ? f[i] : lo;
		hi = f[i] + 8 > hi ? f[i] + 8 : hi;
	}
	lo &= ~7; /* BPF rejects misaligned stack loads: keep fields aligned in the copy */
	if (lo == INT32_MAX || hi - lo > 192)
		return -EINVAL;
	*start = lo;
	return 0;
}

/* The same for the frame fields read per call (the code pointer, the instruction position and,
 * 3.11+, the owner byte). */
static int frame_window(const struct vz_py_offsets *o, __u32 *start)
{
	__s32 lo = o->frame_code, hi = o->frame_code + 8;

	if (o->frame_owner >= 0) {
		lo = o->frame_owner < lo ? o->frame_owner : lo;
		hi = o->frame_owner + 1 > hi ? o->frame_owner + 1 : hi;
	}
	/* Where the frame stands (refused calls, see bpf/vizbpf.bpf.c). */
	lo = o->frame_ip < lo ? o->frame_ip : lo;
	hi = o->frame_ip + 8 > hi ? o->frame_ip + 8 : hi;
	/* <=3.10: f_back names the caller at entry (the probe sites read it). */
	if (o->py_version_hex < 0x030b0000) {
		lo = o->frame_previous < lo ? o->frame_previous : lo;
		hi = o->frame_previous + 8 > hi ? o->frame_previous + 8 : hi;
	}
	lo &= ~7;
	if (lo < 0 || hi - lo > 88)
		return -EINVAL;
	*start = lo;
	return 0;
}

/* What the tracer was asked for, handed to every instance of the skeleton it loads. */
struct load_args {
	const struct py_interp *pi;
	const struct vz_py_offsets *off;
	__u32 window, fwindow;
	uint64_t ringbuf_bytes;
	unsigned flags;
};

/* An instance of the skeleton with its read-only settings and which programs load. */
static struct vizbpf_bpf *open_skel(struct tracer *t, const struct load_args *a)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = t->kbtf[0] ? t->kbtf : NULL);
	const struct py_interp *pi = a->pi;
	const struct vz_py_offsets *off = a->off;
	unsigned flags = a->flags;
	struct vizbpf_bpf *s;

	s = vizbpf_bpf__open_opts(&opts);
	if (!s)
		return NULL;
	s->rodata->off = *off;
	s->rodata->code_window_off = a->window;
	s->rodata->frame_window_off = a->fwindow;
	s->rodata->caller_from_frame = pi->minor <= 10;
	py_thread_layout(pi->minor, (struct vz_thread_layout *)&s->rodata->tl);
	s->rodata->entry_frames = pi->minor >= 12;
	s->rodata->evalframe_vaddr = pi->evalframe_vaddr;
	s->rodata->pyruntime_vaddr = pi->pyruntime_vaddr;
	s->rodata->stop_first_call = !!(flags & TRACER_STOP_FIRST_CALL);
	s->rodata->stop_new_threads = !!(flags & TRACER_STOP_NEW_THREADS);
	/* Well below the quarter of the ring buffer a process may hand over unread before it
	 * waits (its flow limit, procs.c): at a quarter, vizbpf was woken only once the program
	 * already waited for it, and slept on up to its poll's 20 ms (mixed workload: +0.14 us a
	 * call against +0.07 at a sixteenth, as with a ring buffer that never fills). */
	s->rodata->wakeup_bytes = a->ringbuf_bytes / 16;
	/* co_argcount is 24 (<=3.10) or 16 (3.11+) bytes before co_firstlineno, co_varnames 32 and
	 * co_localsplusnames 16 before co_filename (gdb on pyenv 3.8-3.13). */
	s->rodata->log_args = !!(flags & TRACER_LOG_ARGS);
	s->rodata->log_retval = !!(flags & TRACER_LOG_RETVAL);
	/* --log_async: a version without a task layout still gets task tracks, named after
	 * their coroutines. */
	s->rodata->log_async = (flags & TRACER_LOG_ASYNC) &&
			       !py_task_layout(pi->minor, (struct vz_task_layout *)&s->rodata->task_layout);
	s->rodata->code_argcount = off->code_firstlineno - (pi->minor <= 10 ? 24 : 16);
	s->rodata->code_varnames = off->code_filename - (pi->minor <= 10 ? 32 : 16);
	ktrace_configure(s, flags);
	/* Unrequested event options' programs stay unloaded: verifying them is most of start-up. */
	bpf_program__set_autoload(s->progs.gc_begin, !!(flags & TRACER_LOG_GC));
	bpf_program__set_autoload(s->progs.gc_end, !!(flags & TRACER_LOG_GC));
	bpf_program__set_autoload(s->progs.exc_enter, !!(flags & TRACER_LOG_EXCEPTION));
	bpf_program__set_autoload(s->progs.exc_return, !!(flags & TRACER_LOG_EXCEPTION));
	bpf_program__set_autoload(s->progs.audit_usdt, !!(flags & TRACER_LOG_AUDIT));
	bpf_program__set_autoload(s->progs.audit_py, !!(flags & TRACER_LOG_AUDIT));
	bpf_program__set_autoload(s->progs.audit_py_ret, !!(flags & TRACER_LOG_AUDIT));
	bpf_program__set_autoload(s->progs.audit_tstate, !!(flags & TRACER_LOG_AUDIT));
	bpf_program__set_autoload(s->progs.audit_38, !!(flags & TRACER_LOG_AUDIT));
	bpf_program__set_autoload(s->progs.site_entry, !!(flags & TRACER_SITES));
	bpf_program__set_autoload(s->progs.site_flush, !!(flags & TRACER_SITES));
	bpf_program__set_autoload(s->progs.handle_prepare_exec,
				  (flags & TRACER_SITES) && kernel_has_prepare_exec());
	if (t->multi) {
		struct bpf_program *uprobes[] = {
			s->progs.py_entry, s->progs.py_return, s->progs.code_freed,
			s->progs.site_entry, s->progs.site_flush, s->progs.gc_begin,
			s->progs.gc_end, s->progs.exc_enter, s->progs.exc_return,
			s->progs.audit_usdt, s->progs.audit_py, s->progs.audit_py_ret,
			s->progs.audit_tstate, s->progs.audit_38,
		};

		for (size_t i = 0; i < sizeof(uprobes) / sizeof(uprobes[0]); i++)
			bpf_program__set_expected_attach_type(uprobes[i],
				(enum bpf_attach_type)VZ_BPF_TRACE_UPROBE_MULTI);
	}
	return s;
}

static bool is_site_prog(const struct vizbpf_bpf *s, const struct bpf_program *p)
{
	return p == s->progs.site_entry || p == s->progs.site_flush;
}

/* Which of the programs open_skel set to load an instance keeps. */
enum kept_progs { KEEP_NONE, KEEP_SITES, KEEP_OTHERS };

static void keep_progs(struct vizbpf_bpf *s, enum kept_progs keep)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj)
		if (keep == KEEP_NONE || is_site_prog(s, p) != (keep == KEEP_SITES))
			bpf_program__set_autoload(p, false);
}

/* Every map of TO is FROM's (the same object's instances: same maps, same order). */
static int share_maps(struct vizbpf_bpf *to, struct vizbpf_bpf *from)
{
	struct bpf_map *m = bpf_object__next_map(to->obj, NULL);
	struct bpf_map *f = bpf_object__next_map(from->obj, NULL);
	int err = 0;

	for (; m && f && !err; m = bpf_object__next_map(to->obj, m),
			      f = bpf_object__next_map(from->obj, f))
		err = bpf_map__reuse_fd(m, bpf_map__fd(f));
	return err ?: (m || f ? -EINVAL : 0);
}

static int load_skel(struct vizbpf_bpf *s)
{
	struct verifier_stats *vs = verifier_stats_begin(s->obj);
	int err = vizbpf_bpf__load(s);

	verifier_stats_end(vs);
	return err && errno == EPERM ? -EPERM : err;
}

struct sites_job {
	struct tracer *t;
	const struct load_args *a;
	struct vizbpf_bpf *maps;
	int err;
};

static void *load_sites(void *arg)
{
	struct sites_job *j = arg;

	j->t->sites_skel = open_skel(j->t, j->a);
	if (!j->t->sites_skel) {
		j->err = -errno ?: -EINVAL;
		return NULL;
	}
	keep_progs(j->t->sites_skel, KEEP_SITES);
	j->err = share_maps(j->t->sites_skel, j->maps) ?: load_skel(j->t->sites_skel);
	return NULL;
}

/*
 * With the probe sites, their two programs load into an instance of their own, on a thread,
 * while the others load here (on two CPUs, the kernel verifies both at once: site_entry is
 * ~10 ms of the hold at exec otherwise). Both take their maps from a first instance that loads
 * no program (~1-2 ms).
 */
static int load_split(struct tracer *t, const struct load_args *a, struct vizbpf_bpf *maps)
{
	struct sites_job j = { t, a, maps, 0 };
	pthread_t th;
	bool threaded;
	int err;

	keep_progs(maps, KEEP_NONE);
	err = load_skel(maps);
	if (err)
		return err;
	threaded = !pthread_create(&th, NULL, load_sites, &j);
	t->skel = open_skel(t, a);
	if (!t->skel)
		err = -errno ?: -EINVAL;
	if (!err) {
		keep_progs(t->skel, KEEP_OTHERS);
		err = share_maps(t->skel, maps) ?: load_skel(t->skel);
	}
	if (threaded)
		pthread_join(th, NULL);
	else
		load_sites(&j);
	return err ?: j.err;
}

static int load(struct tracer *t, const struct py_interp *pi, const struct vz_py_offsets *off,
		__u32 window, __u32 fwindow, uint64_t ringbuf_bytes, unsigned flags)
{
	const struct load_args a = { pi, off, window, fwindow, ringbuf_bytes, flags };
	struct vizbpf_bpf *s;
	const void *elf;
	size_t elf_sz;
	int err;

	elf = vizbpf_bpf__elf_bytes(&elf_sz);
	if (t->kbtf_refused || kbtf_path(elf, elf_sz, t->kbtf, sizeof(t->kbtf)))
		t->kbtf[0] = 0;
	s = open_skel(t, &a);
	if (!s)
		return -errno;
	if (t->ring_fd >= 0)
		err = bpf_map__reuse_fd(s->maps.events, t->ring_fd);
	else
		err = bpf_map__set_max_entries(s->maps.events, ringbuf_bytes);
	err = err ?: held_share(s->maps.held);
	if (err) {
		vizbpf_bpf__destroy(s);
		return err;
	}
	if (!(flags & TRACER_SITES)) {
		t->skel = s;
		return load_skel(s);
	}
	err = load_split(t, &a, s);
	vizbpf_bpf__destroy(s); /* the maps live on in the two instances */
	return err;
}

/* The instance with the probe sites' programs. */
static struct vizbpf_bpf *sites(const struct tracer *t)
{
	return t->sites_skel ?: t->skel;
}

/* The instances load() made (the uprobe_multi or kernel-types retry makes new ones). */
static void unload(struct tracer *t)
{
	vizbpf_bpf__destroy(t->sites_skel);
	t->sites_skel = NULL;
	vizbpf_bpf__destroy(t->skel);
	t->skel = NULL;
}

/*
 * libbpf's consume reads for as long as records keep coming: a program that outruns vizbpf
 * (its flow control given up) would keep it there, deaf to --duration and Ctrl-C. A record
 * returned as BUDGET_SPENT is read (libbpf moves past it before it stops).
 */
#define BUDGET_SPENT (-EDQUOT)

static int on_sample(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	int err = t->record_fn(t->record_ctx, data, size);

	if (err)
		return err == BUDGET_SPENT ? -ENOMEM : err;
	return t->read_budget && ++t->read_now == t->read_budget ? BUDGET_SPENT : 0;
}

struct tracer *tracer_open(const struct py_interp *pi, uint64_t ringbuf_bytes, unsigned flags,
			   tracer_record_fn fn, void *ctx)
{
	struct vz_py_offsets off;
	struct tracer *t;
	__u32 window, fwindow;
	int err;

	libbpf_set_print(libbpf_print);
	if (py_offsets__get(pi->major, pi->minor, &off)) {
		elog("CPython %d.%d is not supported (supported: %s)", pi->major, pi->minor,
		     py_offsets__supported());
		return NULL;
	}
	if (code_window(&off, &window) || frame_window(&off, &fwindow)) {
		elog("internal: code object fields of CPython %d.%d are too far apart", pi->major,
		     pi->minor);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	snprintf(t->lib, sizeof(t->lib), "%s", pi->lib);
	t->minor = pi->minor;
	t->reap_done = -1;
	t->ring_fd = earlyring_take(ringbuf_bytes);
	t->evalframe_offset = pi->evalframe_offset;
	/* 3.12+ tell a reused address by co_version (bpf/codesig.bpf.h); before, by its free. */
	if (pi->minor <= 11) {
		t->code_dealloc_offset = tracer_code_dealloc_offset(pi);
		if (!t->code_dealloc_offset)
			ilog("%s: code objects' tp_dealloc not found: a code object created where a "
			     "freed one was may keep its name", pi->lib);
	}

	if (off.tstate_arg == 0 && (!pi->pyruntime_vaddr || off.runtime_tstate_current < 0)) {
		elog("CPython %d.%d in %s: _PyRuntime not found, cannot find thread states",
		     pi->major, pi->minor, pi->lib);
		goto fail;
	}
	/* uprobe_multi links (Linux 6.6+): no perf-event layer on every hit, no global mutex held
	 * across grace periods at their close (uplink.h). */
	t->multi = uplink_multi_supported();
	t->sites_early = (flags & TRACER_SITES) && earlyprobe_everywhere();
	err = load(t, pi, &off, window, fwindow, ringbuf_bytes, flags);
	if (err && err != -EPERM && t->kbtf[0]) {
		vlog("loading with the kernel types of %s failed (%s): reading the kernel's BTF",
		     t->kbtf, strerror(-err));
		kbtf_forget(t->kbtf);
		unload(t);
		t->kbtf_refused = true;
		err = load(t, pi, &off, window, fwindow, ringbuf_bytes, flags);
	}
	if (err && err != -EPERM && t->multi) {
		vlog("loading with uprobe_multi links failed (%s): using perf-event uprobes",
		     strerror(-err));
		unload(t);
		t->multi = false;
		err = load(t, pi, &off, window, fwindow, ringbuf_bytes, flags);
	}
	if (err) {
		if (err == -EPERM)
			elog("loading BPF programs: permission denied (run as root: needs "
			     "CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
		else
			elog("loading BPF programs failed: %s", strerror(-err));
		goto fail;
	}
	t->record_fn = fn;
	t->record_ctx = ctx;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_sample, t, NULL);
	if (!t->rb) {
		elog("ring buffer: %s", strerror(errno));
		goto fail;
	}
	t->flags = flags;
	if (ktrace_attach(t->skel, flags, t->klinks))
		goto fail;
	return t;
fail:
	tracer_close(t);
	return NULL;
}

static struct uplink *attach_uprobe(struct tracer *t, struct bpf_program *prog, pid_t pid,
				    const char *file, uint64_t offset, bool retprobe)
{
	struct uplink_opts o = { .retprobe = retprobe };
	struct uplink *l = retprobe ? NULL : earlyprobe_bind(pid, file, offset, prog);

	/* Registered already (earlyprobe.h): the program is in place. */
	return l ?: uplink_attach(prog, t->multi, pid, file, offset, &o);
}

/* For the event options' probes (tracerprobe.h): made as the evaluator's are. */
struct uplink *tracer_attach_uprobe(struct tracer *t, struct bpf_program *prog, const char *file,
				    uint64_t off, const struct uplink_opts *o)
{
	return uplink_attach(prog, t->multi, -1, file, off, o);
}

/* Waits for the background close of tracer_use_sites, if any. */
static void reap_join(struct tracer *t)
{
	linkclose_wait(t->reap_done);
	t->reap_done = -1;
}

/* Thread exits (and the first call, for stop_first_call) are reported for these processes. */
static int mark_traced(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	bpf_map__delete_elem(t->skel->maps.started_pids, &key, sizeof(key), 0);
	/* A new program in that pid: py_entry speaks for it again, once the old link is gone. */
	if (pid == t->pid)
		reap_join(t);
	bpf_map__delete_elem(t->skel->maps.sited_pids, &key, sizeof(key), 0);
	ktrace_mark(t->skel, pid);
	return bpf_map__update_elem(t->skel->maps.traced_pids, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

/* pid's calls come from the sites: py_entry and py_return ignore it (they look sited_pids up
 * once any_sited is set). */
static int mark_sited(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;
	int err = bpf_map__update_elem(t->skel->maps.sited_pids, &key, sizeof(key), &one,
				       sizeof(one), BPF_ANY);

	if (!err)
		t->skel->bss->any_sited = 1;
	return err;
}

static int attach_exit(struct tracer *t)
{
	if (t->exit)
		return 0;
	t->exit = bpf_program__attach(t->skel->progs.handle_exit);
	if (!t->exit) {
		elog("attaching to sched_process_exit: %s", strerror(errno));
		return -errno;
	}
	t->exec = bpf_program__attach(t->skel->progs.handle_exec);
	if (!t->exec) {
		elog("attaching to sched_process_exec: %s", strerror(errno));
		return -errno;
	}
	/* Without it an exec loses what the exec'ing thread buffered (said in the README). */
	if (bpf_program__autoload(t->skel->progs.handle_prepare_exec))
		t->prepare_exec = bpf_program__attach(t->skel->progs.handle_prepare_exec);
	return 0;
}

/* 3.8-3.11: a code object freed in pid leaves the cache of described ones (code_freed). */
static int attach_dealloc(struct tracer *t, pid_t pid)
{
	struct uplink *l;

	if (!t->code_dealloc_offset)
		return 0;
	if (t->n_deallocs == t->cap_deallocs) {
		int cap = t->cap_deallocs ? 2 * t->cap_deallocs : 16;
		void *p = realloc(t->deallocs, cap * sizeof(*t->deallocs));

		if (!p)
			return -ENOMEM;
		t->deallocs = p;
		t->cap_deallocs = cap;
	}
	l = attach_uprobe(t, t->skel->progs.code_freed, pid, t->lib, t->code_dealloc_offset, false);
	if (!l)
		return -errno;
	t->deallocs[t->n_deallocs++] = l;
	return 0;
}

static void describe_probes(struct tracer *t)
{
	snprintf(t->mechanism, sizeof(t->mechanism),
		 "uprobe+uretprobe on _PyEval_EvalFrameDefault%s%s",
		 t->minor >= 11 ? ", eval-frame unlock" : "",
		 t->minor >= 12 ? ", C recursion budget widened as the recursion limit needs" : "");
}

int tracer_attach_pid(struct tracer *t, pid_t pid, bool returns)
{
	int err;

	t->pid = pid;
	err = mark_traced(t, pid);
	if (err)
		return err;
	err = attach_dealloc(t, pid);
	if (err)
		return err;
	t->entry = attach_uprobe(t, t->skel->progs.py_entry, pid, t->lib, t->evalframe_offset, false);
	if (!t->entry)
		return -errno;
	if (returns && tracer_attach_returns(t))
		return -errno;
	err = attach_exit(t);
	if (!err && !t->mechanism[0])
		describe_probes(t);
	return err;
}

int tracer_add_pid(struct tracer *t, pid_t pid)
{
	return tracer_add_pid_returns(t, pid, true);
}

int tracer_attach_pid_returns(struct tracer *t, pid_t pid)
{
	if (pid == t->pid)
		return t->ret ? 0 : tracer_attach_returns(t);
	for (int i = 0; i < t->n_more; i++) {
		struct pid_links *l = &t->more[i];

		if (l->pid != pid || l->ret)
			continue;
		l->ret = attach_uprobe(t, t->skel->progs.py_return, pid, t->lib, t->evalframe_offset, true);
		if (!l->ret)
			return -errno;
		t->skel->bss->returns_on = 1;
	}
	return 0;
}

int tracer_add_pid_returns(struct tracer *t, pid_t pid, bool returns)
{
	struct pid_links *l;
	int err;

	if (!t->pid)
		return tracer_attach_pid(t, pid, returns);
	for (int i = 0; i < t->n_more; i++) {
		if (t->more[i].pid != pid)
			continue;
		if (t->more[i].entry)
			return mark_traced(t, pid); /* probed already (an exec of the same binary) */
		t->more[i] = t->more[--t->n_more]; /* its probes went to the sites (use_sites_pid) */
		break;
	}
	if (t->n_more == t->cap_more) {
		int cap = t->cap_more ? 2 * t->cap_more : 16;
		void *p = realloc(t->more, cap * sizeof(*t->more));

		if (!p)
			return -ENOMEM;
		t->more = p;
		t->cap_more = cap;
	}
	err = mark_traced(t, pid) ?: attach_dealloc(t, pid);
	if (err)
		return err;
	l = &t->more[t->n_more];
	*l = (struct pid_links){ .pid = pid };
	l->entry = attach_uprobe(t, t->skel->progs.py_entry, pid, t->lib, t->evalframe_offset, false);
	if (!l->entry)
		return -errno;
	l->ret = returns ? attach_uprobe(t, t->skel->progs.py_return, pid, t->lib, t->evalframe_offset, true) : NULL;
	if (returns && !l->ret) {
		err = -errno;
		uplink_destroy(l->entry);
		return err;
	}
	t->n_more++;
	if (returns)
		t->skel->bss->returns_on = 1;
	if (!t->mechanism[0])
		describe_probes(t);
	return attach_exit(t);
}

void tracer_set_gil(struct tracer *t, pid_t pid, uint64_t runtime)
{
	uint32_t off, size;

	if (!(t->flags & TRACER_KERNEL_SCHED) || !runtime || py_gil_offset(t->minor, &off, &size))
		return;
	ktrace_set_gil(t->skel, pid, runtime + off, runtime + off + size);
}

void tracer_mark_started(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	bpf_map__update_elem(t->skel->maps.started_pids, &key, sizeof(key), &one, sizeof(one),
			     BPF_ANY);
}

int tracer_attach_returns(struct tracer *t)
{
	t->ret = attach_uprobe(t, t->skel->progs.py_return, t->pid, t->lib, t->evalframe_offset, true);
	if (!t->ret)
		return -errno;
	t->skel->bss->returns_on = 1;
	return 0;
}

/*
 * The sites on the uprobes earlyprobe registered in every process. Returns 0, or -errno with
 * nothing attached.
 */
static int attach_sites_early(struct tracer *t, const char *lib, uint64_t entry_off,
			      uint64_t flush_off)
{
	int err;

	t->site_entry = earlyprobe_bind(-1, lib, entry_off, sites(t)->progs.site_entry);
	t->site_flush = earlyprobe_bind(-1, lib, flush_off, sites(t)->progs.site_flush);
	if (t->site_entry && t->site_flush) {
		t->sites_everywhere = true;
		return 0;
	}
	err = -errno ?: -ENOENT;
	vlog("the probe sites' early uprobes: %s; attached now", strerror(-err));
	uplink_destroy(t->site_entry);
	uplink_destroy(t->site_flush);
	t->site_entry = t->site_flush = NULL;
	return err;
}

/*
 * With uprobe_multi links the sites are probed in every process that maps the library (pid 0):
 * one registration for the launched program and every child it forks, each of which would
 * otherwise wait for its own (an RCU grace period behind the kernel's dup_mmap_sem, 4-100 ms).
 * BPF counts only hits of traced_pids; a followed child's sites are armed by vizbpf
 * (tracer_attach_sites_pid). Other programs that preload the library (another vizbpf's) only
 * run site_entry to its first lookup.
 */
int tracer_attach_sites(struct tracer *t, const char *lib, uint64_t entry_off, uint64_t flush_off)
{
	pid_t pid = t->multi ? -1 : t->pid;

	if (t->site_entry)
		return 0; /* attached for an earlier process (--inject) */
	if (t->sites_early && attach_sites_early(t, lib, entry_off, flush_off) == 0)
		return 0;
	/* Without uprobe_multi, perf uprobes in the launched process only: its forks get the
	 * evaluator's probes. */
	t->site_entry = attach_uprobe(t, sites(t)->progs.site_entry, pid, lib, entry_off, false);
	if (!t->site_entry)
		return -errno;
	t->site_flush = attach_uprobe(t, sites(t)->progs.site_flush, pid, lib, flush_off, false);
	if (!t->site_flush)
		return -errno;
	t->sites_everywhere = t->multi;
	return 0;
}

int tracer_attach_sites_pid(struct tracer *t, pid_t pid, bool code_frees)
{
	int err;

	if (!t->sites_everywhere)
		return -EOPNOTSUPP;
	/* First: the child's code objects are its parent's, freed in either. Without the
	 * evaluator's exact cache only (VZ_SIG_NEW does it otherwise). */
	err = code_frees ? attach_dealloc(t, pid) : 0;
	return err ?: mark_traced(t, pid);
}

void tracer_detach(struct tracer *t)
{
	struct linkclose c = { 0 };

	gcprobe_free(t->gc);
	t->gc = NULL;
	excprobe_free(t->exc);
	t->exc = NULL;
	auditprobe_free(t->audit);
	t->audit = NULL;
	/* Closed all at once: each uprobe link's close waits for grace periods (linkclose.h). */
	ktrace_detach(t->klinks);
	for (int i = 0; i < t->n_deallocs; i++)
		uplink_hand(t->deallocs[i], &c);
	t->n_deallocs = 0;
	for (int i = 0; i < t->n_more; i++) {
		uplink_hand(t->more[i].entry, &c);
		uplink_hand(t->more[i].ret, &c);
	}
	t->n_more = 0;
	uplink_hand(t->entry, &c);
	uplink_hand(t->ret, &c);
	uplink_hand(t->site_entry, &c);
	uplink_hand(t->site_flush, &c);
	t->entry = t->ret = t->site_entry = t->site_flush = NULL;
	linkclose_run(&c);
	/* Only now: a program as short as `-c pass` ends while the evaluator probe's link is still
	 * closing; both waits overlap. */
	reap_join(t);
	for (int i = 0; i < t->n_pid_reaps; i++)
		linkclose_wait(t->pid_reaps[i]);
	t->n_pid_reaps = 0;
	t->sites_everywhere = false;
}

static void describe_sites(struct tracer *t)
{
	snprintf(t->mechanism, sizeof(t->mechanism),
		 "nop5 probe sites in libvizbpf-eval.so, the eval_frame around "
		 "_PyEval_EvalFrameDefault (%s)%s", uplink_kind(t->site_entry),
		 t->minor >= 11 ? ", its C stack and recursion budget given back per call" : "");
}

int tracer_add_sited_pid(struct tracer *t, pid_t pid)
{
	int err;

	if (!t->sites_everywhere)
		return -EOPNOTSUPP;
	err = mark_traced(t, pid) ?: attach_dealloc(t, pid) ?: mark_sited(t, pid) ?: attach_exit(t);
	if (err)
		return err;
	describe_sites(t);
	return 0;
}

int tracer_use_sites_pid(struct tracer *t, pid_t pid)
{
	struct linkclose c = { 0 };
	int fd, *v;

	/* The first pid's own links (an exec'd program in the pid launched, its first links gone
	 * already, is in more[] too). */
	if (pid == t->pid && (t->entry || t->ret)) {
		tracer_use_sites(t);
		return 0;
	}
	if (mark_sited(t, pid))
		return -errno;
	/* As tracer_use_sites: closed elsewhere, while the process runs. */
	for (int i = 0; i < t->n_more; i++) {
		if (t->more[i].pid != pid)
			continue;
		uplink_hand(t->more[i].entry, &c);
		uplink_hand(t->more[i].ret, &c);
		t->more[i].entry = t->more[i].ret = NULL;
	}
	vlog("pid %d: its evaluator probes (%d) closed in the background", pid,
	     c.n_links + c.n_fds);
	fd = linkclose_detached(&c);
	if (fd < 0)
		return 0;
	v = realloc(t->pid_reaps, (t->n_pid_reaps + 1) * sizeof(*v));
	if (!v) {
		linkclose_wait(fd);
		return 0;
	}
	t->pid_reaps = v;
	t->pid_reaps[t->n_pid_reaps++] = fd;
	return 0;
}

void tracer_use_sites(struct tracer *t)
{
	/*
	 * The evaluator's own probe has done its job (the first call); the sites see the rest.
	 * Closing its link waits for grace periods (~0.1 s), which the held program would wait
	 * too: py_entry is told to ignore this process instead, and the link is closed on a
	 * thread of its own while the program runs. The program is held now: no call can come
	 * between the two probes.
	 */
	reap_join(t);
	uplink_hand(t->entry, &t->reap);
	uplink_hand(t->ret, &t->reap);
	t->entry = t->ret = NULL;
	if (mark_sited(t, t->pid)) {
		linkclose_run(&t->reap); /* cannot quiet it: close it now, held */
	} else {
		/* Closed by another process: vizbpf's own exit would wait for a thread of its own
		 * that is closing them (a program as short as `-c pass` ends meanwhile). */
		t->reap_done = linkclose_detached(&t->reap);
	}
	describe_sites(t);
}

int tracer_fd(struct tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

/*
 * Thread exits that did not fit in the ring buffer but had to say that records of the thread
 * were lost (bpf/vizbpf.bpf.c, exits_lost): handed on as if read, after the thread's records.
 */
static void drain_exits_lost(struct tracer *t)
{
	struct bpf_map *m = t->skel->maps.exits_lost;
	struct vz_rec_exit r;
	__u32 tid;

	while (!bpf_map__get_next_key(m, NULL, &tid, sizeof(tid))) {
		if (!bpf_map__lookup_and_delete_elem(m, &tid, sizeof(tid), &r, sizeof(r), 0))
			t->record_fn(t->record_ctx, &r, sizeof(r));
		else if (bpf_map__delete_elem(m, &tid, sizeof(tid), 0))
			break;
	}
}

int tracer_read(struct tracer *t, unsigned budget)
{
	int n;

	t->read_budget = budget;
	t->read_now = 0;
	n = ring_buffer__consume(t->rb);
	if (n == BUDGET_SPENT)
		return (int)t->read_now; /* more may wait: the exits lost come after them */
	/* Nothing lost, nothing kept: no system call. */
	if (n >= 0 && t->skel->bss->lost_records)
		drain_exits_lost(t);
	return n;
}

int tracer_drain(struct tracer *t)
{
	return tracer_read(t, 0);
}

void tracer_read_stats(struct tracer *t, struct tracer_stats *s)
{
	const struct vizbpf_bpf__bss *b = t->skel->bss;

	s->lost_records = b->lost_records;
	s->lost_calls = b->lost_calls;
	s->lost_returns = b->lost_returns;
	s->lost_code_records = b->lost_code_records;
	ktrace_stats(t->skel, &s->kernel_records, &s->kernel_lost);
	s->kernel_flags = t->flags & (TRACER_KERNEL_SYSCALLS | TRACER_KERNEL_SCHED | TRACER_KERNEL_CPU |
				    TRACER_KERNEL_MEMORY);
	s->gc_unfinished = b->gc_unfinished;
	s->prints_lost = b->print_lost;
}

/* For the event options' probes (tracerprobe.h). */
struct vizbpf_bpf *tracer_skel(struct tracer *t)
{
	return t->skel;
}

int tracer_log_gc(struct tracer *t, const struct py_interp *pi)
{
	if (!t->gc)
		t->gc = gcprobe_attach(t, pi);
	return t->gc ? 0 : -ENOENT;
}

int tracer_log_exception(struct tracer *t, const struct py_interp *pi)
{
	if (!t->exc)
		t->exc = excprobe_attach(t, pi);
	return t->exc ? 0 : -ENOENT;
}

int tracer_log_audit(struct tracer *t, const struct py_interp *pi)
{
	if (!t->audit)
		t->audit = auditprobe_attach(t, pi);
	return t->audit ? 0 : -ENOENT;
}

const char *tracer_lib(struct tracer *t)
{
	return t->lib;
}

const char *tracer_mechanism(struct tracer *t)
{
	return t->mechanism;
}

void tracer_close(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tracer_detach(t);
	bpf_link__destroy(t->exit);
	bpf_link__destroy(t->exec);
	bpf_link__destroy(t->prepare_exec);
	unload(t);
	if (t->ring_fd >= 0)
		close(t->ring_fd);
	free(t->more);
	free(t->pid_reaps);
	free(t->deallocs);
	free(t);
}
