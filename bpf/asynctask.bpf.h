/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_async: as a coroutine frame starts, is it an asyncio Task's step? The C Task
 * (_asyncio, 3.8-3.13) runs a step from the event loop's Handle._run: the coroutine's caller
 * frame is Handle._run, whose first local is the Handle; its _callback is the Task's step or
 * wakeup wrapper (the Task right after the object header) or a builtin method bound to the
 * Task (m_self one word further). A candidate is taken for the Task only if its task_coro is
 * the coroutine whose frame starts. Then the Task's name is sent (struct vz_rec_task): user
 * space draws the step, and what it calls, on the task's track.
 */
#ifndef __ASYNCTASK_BPF_H
#define __ASYNCTASK_BPF_H

const volatile bool log_async = false;
const volatile struct vz_task_layout task_layout = {};

#define VZ_TPFLAGS_LONG_SUBCLASS (1ull << 24)
#define VZ_TPFLAGS_UNICODE_SUBCLASS (1ull << 28)

/* The Task stepping coroutine 'coro' as this Handle's callback, or 0. */
static __always_inline __u64 task_of_handle(__u64 handle, __u64 coro)
{
	__u64 cb = read_ptr(handle + task_layout.handle_callback);

	if (!cb)
		return 0;
	for (int i = 0; i < 2; i++) {
		__u64 task = read_ptr(cb + 16 + 8 * i);

		if (task && read_ptr(task + task_layout.task_coro) == coro)
			return task;
	}
	return 0;
}

/* The frame just called (from 'caller') is a coroutine's (its code's description says so,
 * no read per call): if a Task steps it, says so with the Task's name. */
static __noinline int send_task(__u64 id, __u64 frame, __u64 caller)
{
	__u64 coro, task, name, type, tflags;
	struct vz_rec_task *r;

	if (!caller || !frame)
		return 0;
	coro = task_layout.frame_gen >= 0 ? read_ptr(frame + task_layout.frame_gen) :
					    frame - task_layout.gen_iframe;
	task = task_of_handle(read_ptr(caller + task_layout.frame_self), coro);
	if (!task)
		return 0;
	name = read_ptr(task + task_layout.task_name);
	type = name ? read_ptr(name + 8) : 0;
	tflags = type ? read_ptr(type + task_layout.type_flags) : 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_TASK, 0);
	r->frame = frame;
	r->task = task;
	r->number = 0;
	r->name_hdr.kind = 0;
	r->name_hdr.len = 0;
	if (tflags & VZ_TPFLAGS_UNICODE_SUBCLASS) {
		read_pystr(name, &r->name_hdr, r->name, VZ_TASK_NAME_MAX);
	} else if (tflags & VZ_TPFLAGS_LONG_SUBCLASS) {
		/* 3.12+: the name is made from the number when asked for ("Task-<n>"). */
		__u64 size = read_ptr(name + 16), digits[2] = {};

		size = task_layout.long_tagged ? size >> 3 : size;
		bpf_probe_read_user(digits, sizeof(digits), (const void *)(name + task_layout.long_digit));
		/* digits are 30-bit, in 32-bit words: two of them */
		if (size == 1)
			r->number = digits[0] & 0x3fffffff;
		else if (size == 2)
			r->number = (digits[0] & 0x3fffffff) | ((digits[0] >> 32) & 0x3fffffff) << 30;
		r->hdr.flags = VZ_TASK_NUMBERED;
	}
	bpf_ringbuf_submit(r, submit_flags());
	return 0;
}

#endif /* __ASYNCTASK_BPF_H */
