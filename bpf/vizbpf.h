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
	VZ_REC_RETURNS = 6, /* struct vz_rec_returns: returns buffered by the preloaded evaluator */
	VZ_REC_FORK = 7,   /* struct vz_rec_fork: a traced process forked (hdr.pid: the child) */
	VZ_REC_EXEC = 8,   /* struct vz_rec_exec: a watched process exec'd, and waits (SIGSTOP) */
	VZ_REC_THREAD_NAME = 9, /* struct vz_rec_thread_name: a threading.Thread starts */
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
 * notes each return in a per-thread buffer instead of hitting a probe; the
 * next call's probe site (or a flush site, when the thread's outermost
 * frame returns or the buffer is full) hands the buffer to BPF.
 */
#define VZ_PENDING_MAX 64

struct vz_return_slot {
	__u64 frame;
	__u64 ts_ns; /* CLOCK_MONOTONIC */
};

struct vz_pending {
	__u32 n;
	__u32 pad;
	struct vz_return_slot r[VZ_PENDING_MAX];
};

/* hdr.flags holds the number of slots that follow. */
struct vz_rec_returns {
	struct vz_rec_hdr hdr;
	struct vz_return_slot r[VZ_PENDING_MAX];
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
};

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

/* co_flags bits that make a call create a generator/coroutine (3.11+: RETURN_GENERATOR). */
#define VZ_CO_GENERATOR 0x0020
#define VZ_CO_COROUTINE 0x0080
#define VZ_CO_ASYNC_GENERATOR 0x0200

#endif /* __VIZBPF_H */
