"""Checks the GIL wait slices of a --kernel sched trace of tests/targets/gil_threads.py.

    python gilcheck.py TRACE.json OUT.txt [TOLERANCE [STEAL_NS]]

For each worker thread the program printed its wall time and CPU time (time.thread_time()) in
its loop. Off CPU it waits for the GIL, or for a CPU: the trace's GIL wait slices (with the
runnable wait that follows each, until it runs) inside its spin() slice must add up to
wall - CPU within TOLERANCE (default 0.2), less what it spent preempted (a shared machine).
For the "fifo" threads (gil_threads.py --fifo: SCHED_FIFO, no other process takes their CPUs)
the GIL wait slices alone, nothing added, must add up to wall - CPU, nothing subtracted (the
issue's definition). STEAL_NS: the CPU time the hypervisor took from this virtual machine
during the run (/proc/stat's steal, summed over CPUs): a thread whose CPU is taken that way
stays "running" to the guest's scheduler, but its CPU time stops, so wall - CPU grows by what
was stolen while it ran; up to that much more is allowed below wall - CPU (0 on bare metal or
a quiet host: then the check is the plain one). Exit 0, or 1 with the numbers.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calltree import check_slices, load, span  # noqa: E402


def main():
    trace_path, out_path = sys.argv[1:3]
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    steal = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    events = load(trace_path)["traceEvents"]
    problems = check_slices(events)
    xs = [e for e in events if e.get("ph") == "X"]
    for line in open(out_path):
        kind, tid, wall, cpu = line.split()
        alone = kind == "fifo"
        tid, wall, cpu = int(tid), int(wall), int(cpu)
        spin = [e for e in xs if e["tid"] == tid and e["name"].startswith("spin (")]
        if len(spin) != 1:
            problems.append("thread %d: %d spin slices" % (tid, len(spin)))
            continue
        s0, s1 = span(spin[0])
        sched = sorted((e for e in xs if e["tid"] == tid and e["cat"] == "sched"
                        and s0 <= span(e)[0] and span(e)[1] <= s1), key=lambda e: span(e)[0])
        gil = preempted = alone_gil = 0
        after_gil = False
        for e in sched:
            a, b = span(e)
            if e["name"] == "GIL wait":
                gil += b - a
                alone_gil += b - a
                after_gil = True
                continue
            if e["name"] == "runnable" and after_gil:
                gil += b - a
            elif e["name"] in ("preempted", "runnable"):
                preempted += b - a
            after_gil = False
        if alone:
            want = wall - cpu
            ok = want > 0 and -tol * want - steal <= alone_gil - want <= tol * want
            print("fifo thread %d: GIL wait slices %.1f ms, wall - cpu %.1f ms (wall %.1f, cpu %.1f; "
                  "with the run-queue waits after them %.1f, preempted %.1f)%s" % (
                      tid, alone_gil / 1e6, want / 1e6, wall / 1e6, cpu / 1e6, gil / 1e6,
                      preempted / 1e6, "" if ok else "  <- off by more than %d%%" % (tol * 100)))
            if not ok:
                problems.append("thread %d: GIL wait off" % tid)
            continue
        want = wall - cpu - preempted
        ok = want > 0 and -tol * want - steal <= gil - want <= tol * want
        print("thread %d: GIL wait %.1f ms, wall - cpu - preempted %.1f ms (wall %.1f, cpu %.1f, "
              "preempted %.1f)%s" % (tid, gil / 1e6, want / 1e6, wall / 1e6, cpu / 1e6,
                                     preempted / 1e6, "" if ok else "  <- off by more than %d%%"
                                     % (tol * 100)))
        if not ok:
            problems.append("thread %d: GIL wait off" % tid)
    if steal:
        print("host steal during the run: %.1f ms (allowed below wall - cpu)" % (steal / 1e6))
    if problems:
        print("\n".join(problems[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
