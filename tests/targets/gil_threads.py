"""Two CPU-bound Python threads contending for the GIL. Each prints its native id, its wall time
and its CPU time (time.thread_time()) in the loop, in ns: wall - CPU is its time off CPU,
waiting for the GIL (or for a CPU), which --kernel sched labels GIL wait.

--fifo: then two more such threads, SCHED_FIFO (root; the main thread switches to it, they
inherit it), printed as "fifo" lines: no other process of the host takes a CPU from them, so
off CPU they only wait for the GIL (on a shared machine a thread holding the GIL is also
preempted, which is a wait for a CPU, not for the GIL)."""
import os
import sys
import threading
import time


def spin(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def worker(out, n):
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    spin(n)
    w1, c1 = time.perf_counter_ns(), time.thread_time_ns()
    out.append((threading.get_native_id(), w1 - w0, c1 - c0))


def pair(label):
    out = []
    threads = [threading.Thread(target=worker, args=(out, 3_000_000)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tid, wall, cpu in out:
        print(label, tid, wall, cpu)


def main():
    pair("thread")
    if "--fifo" in sys.argv:
        # The calling thread only (Linux): the threads started after it inherit it.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        pair("fifo")


main()
