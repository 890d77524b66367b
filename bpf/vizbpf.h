/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one header shared by the BPF programs and user space: record layouts
 * on the ring buffer and the CPython layout the BPF side reads with.
 *
 * No includes: the BPF side gets __u32 & co. from vmlinux.h, user space from
 * <linux/types.h>. Everything is prefixed vz_/VZ_ so nothing collides with
 * vmlinux.h. Fields are fixed width and ordered large to small (no padding).
 */
#ifndef __VIZBPF_H
#define __VIZBPF_H

/* Bytes of a code object's name / file name captured by BPF. */
#define VZ_NAME_MAX 256
#define VZ_FILE_MAX 512

/* Record types; 0 is never valid so a zeroed buffer is not a record. */
enum vz_rec_type {
	VZ_REC_CALL = 1,   /* struct vz_rec_call: a Python frame starts evaluating */
	VZ_REC_RETURN = 2, /* struct vz_rec_return: an evaluation returned (or unwound) */
	VZ_REC_CODE = 3,   /* struct vz_rec_code: first sight of a code object */
	VZ_REC_EXIT = 4,   /* struct vz_rec_exit: a traced thread exited */
	VZ_REC_THREAD = 5, /* struct vz_rec_thread: first call seen with this thread state */
	VZ_REC_BATCH = 6,  /* struct vz_rec_batch: calls and returns buffered by the preloaded
			    * evaluator */
	VZ_REC_FORK = 7,   /* struct vz_rec_fork: a traced process forked (hdr.pid: the child) */
	VZ_REC_EXEC = 8,   /* struct vz_rec_exec: a watched process exec'd, and waits (SIGSTOP) */
	VZ_REC_THREAD_NAME = 9, /* struct vz_rec_thread_name: a threading.Thread starts */
	/* 32-47: --kernel (bpf/ktrace.bpf.h) */
	VZ_REC_SYSCALL = 32, /* struct vz_rec_syscall: a system call of a traced thread ended */
	VZ_REC_OFFCPU = 33,  /* struct vz_rec_offcpu: a traced thread runs again after a switch-out */
	VZ_REC_SWITCH = 34,  /* struct vz_rec_switch: a CPU switched from or to a traced thread */
	VZ_REC_WAKING = 35,  /* struct vz_rec_waking: a traced thread is woken */
	VZ_REC_MEM = 36,     /* struct vz_rec_mem: a traced thread's memory counters, sampled */
	VZ_REC_PRINT = 37,   /* struct vz_rec_print: a write to fd 1 or 2 (--log_print) */
	/* 48-63: GC, exceptions, audit and custom events (bpf/gc.bpf.h & co.) */
	VZ_REC_GC = 48,    /* struct vz_rec_gc: a garbage collection ended (--log_gc) */
	VZ_REC_EXCEPTION = 49, /* struct vz_rec_exception: raised in a Python frame (--log_exception) */
	VZ_REC_CUSTOM = 50, /* struct vz_rec_custom: a call of share/vizbpf_events.py */
	VZ_REC_AUDIT = 51, /* struct vz_rec_audit: an audit event (--log_audit) */
	/* 64-79: --log_func_args (helper "opts") */
	VZ_REC_ARGS = 64,  /* struct vz_rec_args: the arguments of the call just recorded */
	VZ_REC_RETVAL = 65, /* struct vz_rec_retval: the value a frame is about to return */
	/* 80-83: --log_async */
	VZ_REC_TASK = 80,  /* struct vz_rec_task: the coroutine just called is an asyncio Task's */
};

/* vz_rec_hdr.flags */
#define VZ_F_OWNED_BY_THREAD (1u << 0) /* 3.11+: frame->owner == FRAME_OWNED_BY_THREAD */

/*
 * 3.12+: _PyInterpreterFrame.owner of an evaluator activation's entry frame, on the C stack.
 * It is the thread's current frame only while the evaluator clears a frame that returned or
 * raised (its locals' __del__, a generator's close run then): such a call's Python caller
 * is the frame before it, to which the cleared frame has already returned.
 */
#define VZ_FRAME_OWNED_BY_CSTACK 3
#define VZ_F_STOPPED (1u << 1)         /* THREAD: SIGSTOP sent to the thread */
#define VZ_F_RETURN_FRAME (1u << 2)    /* RETURN: 'caller' holds the frame that returned;
					* CALL: its return will say so */
#define VZ_F_REFUSED (1u << 3)         /* RETURN (with VZ_F_RETURN_FRAME): that frame never
					* started, the recursion check refused it; CALL: it will
					* be refused */
#define VZ_F_EXEC_CHECK_NAME (1u << 16) /* EXEC: --comm did not match its comm; its script's
					 * name may (user space checks the command line) */
/* Threads and processes stopped by BPF and not yet let go (bpf/held.bpf.h): tid -> tgid. */
#define VZ_HELD_MAX 4096
/* Key bit of a process held at fork (its pid), or at exec; without them, a thread held at a
 * call (its tid). Apart, so that letting one go never forgets the other: a child let go after
 * its fork stops again at its first call (3.12), under the same number, and may exec (and
 * stop) between vizbpf's SIGCONT and its forgetting the fork's entry. */
#define VZ_HELD_PROC (1u << 31)
#define VZ_HELD_EXEC (1u << 30)

struct vz_rec_hdr {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;   /* tgid */
	__u32 tid;
	__u32 type;  /* enum vz_rec_type */
	__u32 flags; /* VZ_F_* */
	/* CALL, RETURN, RETURNS, EXIT: this thread's calls and returns whose records were
	 * dropped (ring buffer full) since its previous record that got through; 0 in others. */
	__u32 lost_calls;
	__u32 lost_returns;
};

/*
 * A call. 'caller' is the thread's current frame when the new frame starts
 * (its Python caller); a later return with the same 'caller' closes it.
 */
struct vz_rec_call {
	struct vz_rec_hdr hdr;
	__u64 code;   /* code object address */
	__u64 frame;  /* frame address (PyFrameObject* up to 3.10, _PyInterpreterFrame* after) */
	__u64 caller; /* current frame of the thread at entry, 0 at the bottom */
};

/*
 * A return: 'caller' is the thread's current frame after the evaluation
 * returned, i.e. the caller of the frame that finished; with
 * VZ_F_RETURN_FRAME (probe sites around the evaluator) it is the frame that
 * returned itself.
 */
struct vz_rec_return {
	struct vz_rec_hdr hdr;
	__u64 caller;
};

/* A Python str as stored: raw code units of 1, 2 or 4 bytes (PEP 393 kind). */
struct vz_pystr_hdr {
	__u32 len;       /* bytes captured in data */
	__u8 kind;       /* 1, 2 or 4; 0 when it could not be read */
	__u8 truncated;  /* the string was longer than what was captured */
	__u8 pad[2];
};

struct vz_rec_code {
	struct vz_rec_hdr hdr;
	__u64 code;
	__u32 firstlineno;
	__u32 co_flags;
	struct vz_pystr_hdr name_hdr; /* co_qualname (3.11+) or co_name */
	struct vz_pystr_hdr file_hdr; /* co_filename */
	char name[VZ_NAME_MAX];
	char file[VZ_FILE_MAX];
};

/*
 * A thread state evaluates its first frame. User space un-inlines calls
 * (3.11+) and widens the C recursion budget (3.12+) from it; with
 * VZ_F_STOPPED the thread was sent SIGSTOP first (launch mode, first call of
 * the process), so those writes cannot race the interpreter.
 */
struct vz_rec_thread {
	struct vz_rec_hdr hdr;
	__u64 tstate;
	__u64 evalframe_addr; /* run-time address of _PyEval_EvalFrameDefault */
};

/*
 * The fast path (launch mode): the preloaded evaluator (user/preload/evalhook.c)
 * notes calls and returns in a per-thread buffer instead of hitting a probe
 * for each; a probe site hands the buffer to BPF when it is full, when the
 * thread's outermost frame returns, before a fork or exec, and at a call that
 * BPF must see as it happens (a code object new to this process, a thread's
 * first call, a call whose frame BPF reads). BPF also takes what a thread has
 * buffered when the thread exits, however it exits.
 */
#define VZ_BATCH_MAX 256

/* A call (code != 0) or a return (code == 0; frame may carry VZ_RET_REFUSED). */
struct vz_batch_slot {
	__u64 frame;
	__u64 ts_ns;  /* CLOCK_MONOTONIC */
	__u64 code;
	__u64 caller; /* as vz_rec_call.caller */
};

struct vz_batch {
	__u32 n;
	__u32 calls; /* how many of the n are calls */
	/* Slots this process has handed over, this batch included (flow control: user space
	 * writes back the newest it has read into vizbpf_flow, see vz_flow). */
	__u64 seq;
	struct vz_batch_slot s[VZ_BATCH_MAX];
};

/*
 * The preloaded evaluator's flow control (its exported vizbpf_flow): when more than
 * 'limit' slots it handed over are not yet read by vizbpf ('read', which vizbpf writes into
 * the process as it reads), the thread handing over waits for it a little, rather than
 * letting the ring buffer overflow. limit 0: never wait.
 */
struct vz_flow {
	__u64 read;
	__u64 limit;
	/* Set by the evaluator: its cache of code objects forgets freed ones, so the entry site
	 * says VZ_SIG_NEW for each code object new there (vizbpf probes a fork()ed child's code
	 * object frees only without it). */
	__u64 exact_cache;
	/* Slots handed over by the process so far (vz_batch.seq of the last): vizbpf starts
	 * 'read' there when it attaches to a process that already ran the evaluator. */
	__u64 handed;
	/* Threads that could not map a buffer (their calls go untraced): vizbpf reports them. */
	__u64 unbuffered_threads;
	/* A fork()ed child waits in its fork handler while vizbpf follows it: it sets
	 * VZ_PARK_WAITING and waits for vizbpf's VZ_PARK_GO, or for that vizbpf's end. A wait,
	 * not a SIGSTOP: nothing else would let a stopped child go if vizbpf died as it forked. */
	__u64 fork_park;
};

enum { VZ_PARK_NONE, VZ_PARK_WAITING, VZ_PARK_GO };

/*
 * A thread's buffer in the preloaded evaluator: mapped at its first call (not thread-local:
 * a library loaded into a running process (--inject) gets only a few bytes of static TLS),
 * listed in the library's vizbpf_threads so that vizbpf can take what each thread buffered when
 * it detaches from a process that goes on, and handed over then unmapped as the thread ends.
 */
struct vz_thread_buf {
	struct vz_batch batch;
	__u32 tid;
	__u32 slot; /* its index in vizbpf_threads */
	/* The thread's TSC clock (vz_eval_layout.tsc_clock; evalhook.c's now_ns()): its last
	 * anchor, a CLOCK_MONOTONIC reading and the TSC around it; ns per tick (<< 32); how far
	 * past the anchor it extrapolates; the last time it gave (never going back). */
	__u64 clk_tsc, clk_ns, clk_mult, clk_span, clk_last;
};

#define VZ_THREADS_MAX 8192

/* A probe site's 5-byte nop (user/preload/evalhook.c's NOP5 spells it in its asm), which the
 * kernel's uprobe_multi turns into a call, and vizbpf into an int3 in a followed child. */
#define VZ_SITE_NOP { 0x0f, 0x1f, 0x44, 0x00, 0x00 }

/* The flush site's frame argument when a thread's buffer goes away (its thread ends): BPF
 * forgets the buffer's address, which a new buffer may get. */
#define VZ_FLUSH_FORGET 1ull

/* hdr.flags holds the number of slots that follow. */
struct vz_rec_batch {
	struct vz_rec_hdr hdr;
	__u64 seq;
	struct vz_batch_slot s[VZ_BATCH_MAX];
};

/*
 * What the preloaded evaluator reads in-process (offsets from struct
 * vz_py_offsets), written by vizbpf before eval_frame points at it.
 */
struct vz_eval_layout {
	__s32 frame_code;
	__s32 frame_owner;           /* -1 before 3.11 */
	__s32 frame_previous;
	__s32 code_flags;
	__s32 code_name;             /* co_qualname where it exists */
	__s32 code_filename;
	__s32 code_firstlineno;
	__s32 code_version;          /* 3.12+, else -1 */
	__s32 tstate_frame;
	__s32 cframe_current_frame;  /* -1 unless 3.11/3.12 */
	__s32 crec_offset;           /* 3.12+: c_recursion_remaining, else -1 */
	__s32 crec_per_call;         /* C budget the real evaluator takes per activation */
	__u32 caller_from_frame;     /* <=3.10: f_back is the caller at entry */
	__u32 follow_forks;          /* a fork()ed child stops (SIGSTOP) until vizbpf probes it */
	__s32 frame_ip;              /* f_lasti (<=3.10), prev_instr (3.11/3.12), instr_ptr (3.13) */
	__u32 frame_ip_size;         /* 4 (f_lasti) or 8 */
	__u32 frame_may_be_freed;    /* 3.11+: a returned frame's memory may be unmapped */
	__u32 stack_per_call;        /* bytes of C stack the hook path adds to a call */
	__u32 log_retval;            /* --log_func_retval: each return hits the flush site with
				      * its frame and value */
	__u32 batch_calls;           /* calls go into the buffer too (not when BPF reads each
				      * call's frame: --log_func_args, --log_async, retvals) */
	__s32 unicode_state;         /* PyASCIIObject.state, .length and its data (compact */
	__s32 unicode_length;        /* ASCII): the hook reads a code object's file name once */
	__s32 unicode_ascii_data;    /* to know whether BPF must see its calls as they happen */
	/* The vizbpf that follows forks: a child stops only while it lives (another vizbpf's
	 * probes trap in the library too), told by its start time (/proc/PID/stat field 22). */
	__u32 vizbpf_pid;
	/* 1: the kernel's clock is the TSC (x86-64): the evaluator reads it raw and converts it
	 * into CLOCK_MONOTONIC itself, cheaper than clock_gettime() (evalhook.c's now_ns()). */
	__u32 tsc_clock;
	__u64 vizbpf_start;
};

/*
 * The entry site's signature with this bit set: the code object is new to the evaluator's own
 * cache (first seen in this process, or at an address where a freed one was: the cache forgets
 * code objects as they are freed), so BPF describes it whatever its cache says. A fork()ed
 * child needs no probe on code objects' free of its own then.
 */
#define VZ_SIG_NEW (1ull << 63)

/*
 * A return slot whose frame has this bit set: the call was refused by the recursion check
 * before its first instruction (RecursionError); sys.setprofile never reports it.
 */
#define VZ_RET_REFUSED 1ull

struct vz_rec_fork {
	struct vz_rec_hdr hdr; /* pid: the child; tid: the parent's thread that forked */
	__u32 parent;
	__u32 pad;
};

/*
 * procwatch (bpf/procwatch.bpf.c): a process of the traced tree, or with --all any process
 * passing the filters, exec'd a program not known to be other than CPython. It was sent
 * SIGSTOP before its first instruction; user space probes it if it is CPython, then SIGCONT.
 */
struct vz_rec_exec {
	struct vz_rec_hdr hdr;
	__u64 ino;   /* the executable's inode... */
	__u32 dev;   /* ...and device (kernel encoding: major << 20 | minor) */
	__u32 pad;
	char comm[16];
};

/* procwatch's state of a process (its tree map). */
enum vz_proc_state {
	VZ_PROC_MEMBER = 1,      /* in the traced tree, not traced itself (a shell, a vfork child) */
	VZ_PROC_PROBED = 2,      /* traced by evaluator probes: a fork()ed child is stopped by BPF */
	VZ_PROC_FAST = 3,        /* traced through libvizbpf-eval.so: a child stops itself */
};

/* procwatch's verdict on an executable (exe_verdict map). */
#define VZ_EXE_PYTHON 1
#define VZ_EXE_OTHER 2

struct vz_exe_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Bytes of a threading.Thread's name captured by BPF. */
#define VZ_THREAD_NAME_MAX 128

/*
 * Sent by the probe of Thread._bootstrap_inner's call, on the thread itself: the thread is
 * certainly alive and its Thread object too, however short it lives.
 */
struct vz_rec_thread_name {
	struct vz_rec_hdr hdr;
	struct vz_pystr_hdr name_hdr; /* threading.Thread._name */
	char name[VZ_THREAD_NAME_MAX];
};

/*
 * Where a threading.Thread object keeps its attributes, for one minor version (filled by
 * user/pythread.c, read by BPF and by user space alike). 'dict_kind' says how an instance
 * finds its attributes: VZ_ATTRS_* below.
 */
enum vz_attrs_kind {
	VZ_ATTRS_DICTOFFSET = 1, /* <=3.10: the instance dict at type->tp_dictoffset */
	VZ_ATTRS_311 = 2,        /* managed dict at obj[-3], else dict-less values at obj[-4] */
	VZ_ATTRS_312 = 3,        /* obj[-3]: the dict, or the values + 1 (tagged) */
	VZ_ATTRS_313 = 4,        /* managed dict at obj[-3], else inline values after the object */
};

struct vz_thread_layout {
	__s32 frame_self;        /* the frame's first local (self): f_localsplus / localsplus */
	__u32 attrs_kind;        /* enum vz_attrs_kind */
	__s32 type_flags;        /* PyTypeObject.tp_flags */
	__s32 type_basicsize;    /* PyTypeObject.tp_basicsize */
	__s32 type_dictoffset;   /* PyTypeObject.tp_dictoffset */
	__s32 type_cached_keys;  /* PyHeapTypeObject.ht_cached_keys */
	__s32 dict_keys;         /* PyDictObject.ma_keys */
	__s32 dict_values;       /* PyDictObject.ma_values */
	__s32 values_array;      /* the value array's offset in PyDictValues (3.13: 8) */
	__u32 old_keys;          /* <=3.10 PyDictKeysObject (dk_size, dk_nentries, then indices) */
};

#define VZ_TPFLAGS_INLINE_VALUES (1ull << 2) /* 3.13 */
/* Attributes of a Thread object looked at for _name (threading sets about 15). */
#define VZ_THREAD_ATTRS_MAX 64

struct vz_rec_exit {
	struct vz_rec_hdr hdr;
	char comm[16];
};

/*
 * Where CPython keeps what the BPF programs read, for one minor version.
 * Filled by symbols/pyoffsets.c (one table per version, with provenance).
 * -1 means "this version has no such field".
 */
struct vz_py_offsets {
	__u32 py_version_hex;          /* PY_VERSION_HEX of the table (major.minor only) */
	__u32 frame_arg;               /* 1-based arg of _PyEval_EvalFrameDefault holding the frame */
	__u32 tstate_arg;              /* 1-based arg holding the thread state, 0: none (3.8) */
	__s32 runtime_tstate_current;  /* _PyRuntime.gilstate.tstate_current, used when tstate_arg == 0 */
	__s32 tstate_frame;            /* <=3.10 ->frame; 3.11/3.12 ->cframe; 3.13 ->current_frame */
	__s32 cframe_current_frame;    /* 3.11/3.12 _PyCFrame.current_frame, else -1 */
	__s32 tstate_interp;           /* PyThreadState.interp */
	__s32 tstate_c_recursion_remaining; /* 3.12+, else -1 */
	__s32 tstate_py_recursion_remaining; /* recursion_remaining (3.11), py_recursion_remaining (3.12+) */
	__s32 tstate_recursion_headroom; /* 3.10+, else -1 */
	__s32 tstate_native_thread_id; /* 3.11+, else -1 */
	__s32 tstate_thread_id;        /* pthread id */
	__s32 tstate_next;
	__s32 interp_eval_frame;       /* PyInterpreterState.eval_frame (PEP 523, 3.6+) */
	__s32 interp_threads_head;
	__s32 interp_next;
	__s32 runtime_interpreters_head;
	__s32 frame_code;              /* f_code, or f_executable on 3.13 */
	__s32 frame_previous;          /* f_back, or previous on 3.11+ */
	__s32 frame_owner;             /* 3.11+: _PyInterpreterFrame.owner (char), else -1 */
	__s32 frame_ip;                /* how far the frame got: f_lasti (int) up to 3.10, prev_instr
	                                * (3.11/3.12), instr_ptr (3.13); unmoved: never started */
	__s32 code_flags;
	__s32 code_firstlineno;
	__s32 code_name;
	__s32 code_qualname;           /* 3.11+, else -1 */
	__s32 code_filename;
	__s32 code_version;            /* 3.12+: co_version, set once from a counter at creation */
	__s32 unicode_state;           /* PyASCIIObject.state */
	__s32 unicode_length;          /* PyASCIIObject.length */
	__s32 unicode_ascii_data;      /* sizeof(PyASCIIObject): data of compact ASCII strings */
	__s32 unicode_compact_data;    /* sizeof(PyCompactUnicodeObject): data of other compact strings */
};

/* PyASCIIObject.state bits, the same from 3.8 to 3.13. */
#define VZ_UNICODE_KIND(state) (((state) >> 2) & 7)
#define VZ_UNICODE_COMPACT(state) (((state) >> 5) & 1)
#define VZ_UNICODE_ASCII(state) (((state) >> 6) & 1)

/*
 * --log_func_args: sent right after a call's record, on the same thread. For each argument
 * (positional, keyword-only, *args, **kwargs, in co_varnames order) its name, its type's
 * tp_name and what user space needs to show the value (user/slices/funcargs.c).
 */
#define VZ_ARGS_MAX 6
#define VZ_ARG_TEXT 32
#define VZ_ARG_NAME 32
#define VZ_ARGS_INT_TAGGED (1u << 0) /* hdr.flags: 3.12+ ints (lv_tag), else ob_size */
#define VZ_ARGS_NO_NAMES (1u << 1)   /* hdr.flags: names sent before for this code object */

struct vz_arg {
	__u64 obj;          /* the PyObject*, 0: unset (e.g. moved into a cell) */
	__u64 words[3];     /* the object's bytes 16..40: ob_size/lv_tag + digits, ob_fval,
			     * ob_size (tuple, list, bytes), ma_used (dict) */
	char type[16];      /* ob_type->tp_name, NUL-terminated */
	struct vz_pystr_hdr name_hdr;
	struct vz_pystr_hdr text_hdr; /* str: its text; bytes: kind 1 */
	char name[VZ_ARG_NAME];
	char text[VZ_ARG_TEXT];
};

struct vz_rec_args {
	struct vz_rec_hdr hdr;
	__u64 frame;  /* the call's frame (its vz_rec_call.frame) */
	__u64 code;   /* ...and code object */
	__u32 nargs;  /* the code's arguments, all kinds */
	__u32 n;      /* of which captured in a[] */
	struct vz_arg a[VZ_ARGS_MAX];
};

/*
 * --log_func_retval: sent right before the return (or the batch of returns) that closes
 * 'frame', on the same thread; the value read as an argument is (hdr.flags: VZ_ARGS_INT_TAGGED).
 * Not sent when the evaluation raised (no value), nor where no return is seen (see README).
 */
struct vz_rec_retval {
	struct vz_rec_hdr hdr;
	__u64 frame;
	struct vz_arg v;
};

/* co_flags bits that make a call create a generator/coroutine (3.11+: RETURN_GENERATOR). */
#define VZ_CO_GENERATOR 0x0020
#define VZ_CO_COROUTINE 0x0080
#define VZ_CO_ASYNC_GENERATOR 0x0200

/*
 * --kernel (bpf/ktrace.bpf.h). A system call, sent at its exit: hdr.ts_ns is the exit time.
 * path_len > 0: path holds the path argument read at entry (NUL included).
 */
#define VZ_SYS_PATH_MAX 256
/* sys_path_arg's value for a call never recorded: the kernel's uprobe trampolines, which
 * vizbpf's own probes make (one per Python call on the fast path). */
#define VZ_SYS_SKIP 0xff

struct vz_rec_syscall {
	struct vz_rec_hdr hdr;
	__u64 start_ns;
	__s64 ret;
	__u64 args[3];
	__u32 nr;
	__u32 path_len;
};

struct vz_rec_syscall_path {
	struct vz_rec_syscall sys;
	char path[VZ_SYS_PATH_MAX];
};

/* vz_rec_offcpu.state */
#define VZ_OFF_PREEMPTED 0 /* switched out runnable */
#define VZ_OFF_SLEEPING 1  /* TASK_INTERRUPTIBLE (S) */
#define VZ_OFF_BLOCKED 2   /* TASK_UNINTERRUPTIBLE (D) */
#define VZ_OFF_OTHER 3     /* stopped, traced, ... */
/* vz_rec_offcpu.flags bits */
#define VZ_OFF_IOWAIT 1u       /* in_iowait: the block is an I/O wait */
#define VZ_OFF_WAKER_TRACED 2u /* the waker is a traced process: a flow */
#define VZ_OFF_GIL 4u          /* off-CPU in a futex on the interpreter's GIL */
#define VZ_OFF_FUTEX 8u        /* off-CPU in a futex that is not the GIL: a lock, a condition */

/* A traced thread switched back in: hdr.ts_ns. It went off CPU at off_ns, was woken at wake_ns
 * (0: not seen) by waker_tid/waker_pid (0: an interrupt or unknown). */
struct vz_rec_offcpu {
	struct vz_rec_hdr hdr;
	__u64 off_ns;
	__u64 wake_ns;
	__u32 waker_tid;
	__u32 waker_pid;
	__u32 cpu;       /* where it runs again */
	__u32 wake_cpu;  /* where the waker ran */
	__u8 state;      /* VZ_OFF_* */
	__u8 oflags;     /* VZ_OFF_IOWAIT | VZ_OFF_WAKER_TRACED | VZ_OFF_GIL | VZ_OFF_FUTEX */
	__u8 pad[6];
	char waker_comm[16];
};

/* --kernel cpu: sched_switch as ftrace reports it. hdr.pid/tid: the traced side (next if both
 * are); hdr.flags: VZ_SWITCH_PREEMPT when prev was preempted. */
#define VZ_SWITCH_PREEMPT 1u

struct vz_rec_switch {
	struct vz_rec_hdr hdr;
	__u32 cpu;
	__u32 prev_pid;
	__u32 prev_tgid;
	__u32 next_pid;
	__u32 next_tgid;
	__u32 prev_state; /* task __state as switched out */
	__u32 prev_prio;
	__u32 next_prio;
	char prev_comm[16];
	char next_comm[16];
};

/* --kernel cpu: sched_waking of a traced thread (hdr: the wakee). */
struct vz_rec_waking {
	struct vz_rec_hdr hdr;
	__u32 target_cpu;
	__u32 prio;
	__u32 waker_pid;  /* current at the wake-up (whoever an interrupt interrupted) */
	__u32 cpu;        /* where the wake-up ran */
	char comm[16];
};

/* --kernel memory: sampled as a traced thread goes off CPU (at most once per millisecond per
 * thread): its process's resident set and the thread's own page fault counts. */
struct vz_rec_mem {
	struct vz_rec_hdr hdr;
	__u64 rss_pages;  /* file + anon + shmem, the mm's (approximate) counters */
	__u64 min_flt;    /* this thread's */
	__u64 maj_flt;
};

/* --log_print: a write(2) of a traced thread to its stdout or stderr, as it entered (hdr.ts_ns):
 * the first VZ_PRINT_MAX bytes of it. */
#define VZ_PRINT_MAX 200
struct vz_rec_print {
	struct vz_rec_hdr hdr;
	__u64 len;  /* the bytes asked to be written */
	__u32 fd;
	__u32 n;    /* bytes captured in text (0: unreadable) */
	char text[VZ_PRINT_MAX];
};

/*
 * --log_gc: one collection on thread hdr.tid, from start_ns to hdr.ts_ns, with the
 * interpreter's generation_stats (3 generations x {collections, collected, uncollectable})
 * read as it began and as it ended: their difference gives the generation and the counts.
 */
#define VZ_GC_STATS 9
struct vz_rec_gc {
	struct vz_rec_hdr hdr;
	__u64 start_ns;
	__u64 before[VZ_GC_STATS];
	__u64 after[VZ_GC_STATS];
};

/*
 * --log_exception: where the BPF side finds the exception being raised, for one minor version
 * (symbols/exclayout.c). -1: the version has no such field.
 */
struct vz_exc_layout {
	__s32 runtime_tstate;   /* _PyRuntime.gilstate.tstate_current (<=3.11) */
	__s32 runtime_main;     /* _PyRuntime.interpreters.main (3.12+: the GIL's last holder) */
	__s32 interp_gil;       /* PyInterpreterState.ceval.gil (3.12+) */
	__s32 gil_last_holder;  /* struct _gil_runtime_state.last_holder (3.12+) */
	__s32 tstate_exc;       /* PyThreadState.current_exception (3.12+) */
	__s32 tstate_type;      /* PyThreadState.curexc_type (<=3.11) */
	__s32 tstate_value;     /* ...curexc_value */
	__s32 tstate_tb;        /* ...curexc_traceback */
	__s32 exc_traceback;    /* PyBaseExceptionObject.traceback */
	__s32 exc_args;         /* PyBaseExceptionObject.args */
	__s32 frame_back;       /* PyFrameObject.f_back */
	__s32 frame_iframe;     /* PyFrameObject.f_frame (3.11+), -1: code at off.frame_code */
	__s32 code_linetable;   /* PyCodeObject.co_linetable (3.11+: lines from tb_lasti) */
	__s32 type_name;        /* PyTypeObject.tp_name */
	__s32 type_flags;       /* PyTypeObject.tp_flags */
	__s32 pad;
};

#define VZ_EXC_TYPE_MAX 64
#define VZ_EXC_MSG_MAX 128
#define VZ_EXC_LINES_MAX 2048

/*
 * An exception raised in a Python frame: PyTraceBack_Here added the first traceback entry of
 * its way up, in frame 'code' (tb_lineno, or on 3.11+ tb_lasti and the start of the code's
 * location table, to be decoded in user space: tb_lineno is computed lazily there).
 */
struct vz_rec_exception {
	struct vz_rec_hdr hdr;
	__u64 code;
	__s32 lineno;      /* -1: decode from lines */
	__s32 lasti;       /* byte offset of the instruction that raised */
	__u32 firstlineno;
	__u32 lines_len;   /* bytes of lines captured (the record is cut after them) */
	__u32 lines_total; /* size of the whole location table */
	struct vz_pystr_hdr msg_hdr; /* str(exc) when it is args[0], a str */
	char type[VZ_EXC_TYPE_MAX];  /* tp_name */
	char msg[VZ_EXC_MSG_MAX];
	__u8 lines[VZ_EXC_LINES_MAX];
};

/* Which function of share/vizbpf_events.py a code object is (vz_rec_custom.kind). */
enum vz_custom_kind {
	VZ_CUSTOM_INSTANT = 1, /* instant(name, value=None) */
	VZ_CUSTOM_COUNTER = 2, /* counter(name, **values) */
	VZ_CUSTOM_BEGIN = 3,   /* span.__enter__(self): self.name is its first slot */
	VZ_CUSTOM_END = 4,     /* span.__exit__(self, *exc) */
};

/* A scalar argument as read (vz_custom_value.type). */
enum vz_value_type {
	VZ_VAL_NONE = 0,
	VZ_VAL_INT = 1,   /* num: int64 */
	VZ_VAL_FLOAT = 2, /* num: the double's bits */
	VZ_VAL_BOOL = 3,  /* num: 0 or 1 */
	VZ_VAL_STR = 4,   /* str */
	VZ_VAL_OTHER = 5, /* str: its type's name (an int past 64 bits: "int") */
	VZ_VAL_ABSENT = 6,
};

#define VZ_CUSTOM_VALUES 8
#define VZ_CUSTOM_KEY_MAX 32
#define VZ_CUSTOM_STR_MAX 64
#define VZ_CUSTOM_NAME_MAX 128

struct vz_custom_value {
	__u64 num;
	__u32 type; /* enum vz_value_type */
	__u32 pad;
	struct vz_pystr_hdr key_hdr;
	struct vz_pystr_hdr str_hdr;
	char key[VZ_CUSTOM_KEY_MAX];
	char str[VZ_CUSTOM_STR_MAX];
};

/*
 * A call of one of vizbpf_events.py's functions, read from its frame as it starts: hdr.ts_ns is
 * the call's own time (its slice starts there). 'obj' tells spans apart: the span object.
 */
struct vz_rec_custom {
	struct vz_rec_hdr hdr;
	__u64 obj;
	__u32 kind;     /* enum vz_custom_kind */
	__u32 n;        /* values that follow */
	__u32 more;     /* counter: series past VZ_CUSTOM_VALUES, not read */
	__u32 pad;
	struct vz_pystr_hdr name_hdr;
	char name[VZ_CUSTOM_NAME_MAX];
	struct vz_custom_value v[VZ_CUSTOM_VALUES];
};

#define VZ_AUDIT_ARGS 6
#define VZ_AUDIT_EVENT_MAX 64

/* An audit event (sys.audit or PySys_Audit) and its first arguments, as read. */
struct vz_rec_audit {
	struct vz_rec_hdr hdr;
	__u32 n;    /* arguments read */
	__u32 more; /* 1: there were more, or one could not be read */
	struct vz_pystr_hdr event_hdr;
	char event[VZ_AUDIT_EVENT_MAX];
	struct vz_custom_value v[VZ_AUDIT_ARGS];
};

/*
 * --log_async: where an asyncio Task is found from its coroutine's step, for one minor version
 * (symbols/tasklayout.c). The C Task (_asyncio) runs a step from a loop Handle: Handle._run's
 * frame holds the Handle (its first local), whose _callback holds the Task (a step or wakeup
 * wrapper, or a builtin method bound to it). A candidate is the Task only if its task_coro is
 * the coroutine whose frame starts: nothing else is taken for one.
 */
struct vz_task_layout {
	__s32 frame_self;      /* the frame's first local: f_localsplus / localsplus */
	__s32 frame_gen;       /* <=3.10: PyFrameObject.f_gen; -1 after */
	__s32 gen_iframe;      /* 3.11+: PyGenObject.gi_iframe (the frame is inside the coroutine) */
	__s32 handle_callback; /* asyncio.events.Handle's _callback slot */
	__s32 task_coro;       /* TaskObj.task_coro */
	__s32 task_name;       /* TaskObj.task_name: a str, or (3.12+) an int n for "Task-n" */
	__s32 long_digit;      /* PyLongObject's first digit (ob_digit) */
	__u32 long_tagged;     /* 3.12+: the int's size is lv_tag >> 3, else ob_size */
	__s32 type_flags;      /* PyTypeObject.tp_flags */
	__u32 pad;
};

#define VZ_TASK_NAME_MAX 128

#define VZ_TASK_NUMBERED (1u << 0) /* hdr.flags: the name is "Task-<number>" (3.12+ lazy name) */

/* Sent right after the call record of a coroutine frame that a Task steps. */
struct vz_rec_task {
	struct vz_rec_hdr hdr;
	__u64 frame;   /* the coroutine's frame (its vz_rec_call.frame) */
	__u64 task;    /* the Task object */
	__u64 number;  /* with VZ_TASK_NUMBERED */
	struct vz_pystr_hdr name_hdr;
	char name[VZ_TASK_NAME_MAX];
};

#endif /* __VIZBPF_H */
