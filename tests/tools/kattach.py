"""Checks a --kernel syscalls trace taken in an attach mode (-p, --all) of
tests/targets/kernel_attach.py (process PID, its probe file PROBE, its output OUT).

    python kattach.py TRACE.json PID PROBE OUT

The slices nest strictly; in process PID there is one outer() holding one inner(), which holds
an openat of PROBE and exactly N getppid slices: the system calls made after attach, in the
Python calls that made them; the waiter thread blocked on the holder's Lock has a lock wait
slice inside waiter() woken by the holder, and a flow from the holder to it (the GIL and the
Lock told apart in an attached process too). Exit 0, or 1 with what failed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calltree import check_slices, load, span  # noqa: E402


def main():
    trace_path, pid, probe = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    out = dict(l.split(None, 1) for l in open(sys.argv[4]).read().splitlines() if " " in l)
    n, holder, waiter = int(out["worked"]), int(out["holder"]), int(out["waiter"])
    events = load(trace_path)["traceEvents"]
    problems = check_slices(events)
    xs = [e for e in events if e.get("ph") == "X" and e["pid"] == pid]

    def inside(a, b):
        return a["tid"] == b["tid"] and span(b)[0] <= span(a)[0] and span(a)[1] <= span(b)[1]

    outer = [e for e in xs if e["name"].startswith("outer (")]
    inner = [e for e in xs if e["name"].startswith("inner (")]
    if len(outer) != 1 or len(inner) != 1 or not inside(inner[0], outer[0]):
        problems.append("%d outer, %d inner slices in pid %d, or not nested" % (
            len(outer), len(inner), pid))
    else:
        sys_in = [e for e in xs if e["cat"] == "syscall" and inside(e, inner[0])]
        ppid = [e for e in xs if e["cat"] == "syscall" and e["name"] == "getppid"]
        opened = [e for e in sys_in if e["name"] == "openat" and e["args"].get("path") == probe]
        if len(ppid) != n or not all(inside(e, inner[0]) for e in ppid):
            problems.append("%d getppid slices, %d inside inner(); %d calls" % (
                len(ppid), sum(inside(e, inner[0]) for e in ppid), n))
        if len(opened) != 1:
            problems.append("%d openat slices of %s inside inner()" % (len(opened), probe))
        print("inner(): %d system calls, %d getppid, openat %s" % (len(sys_in), len(ppid), probe))
    w = [e for e in xs if e["tid"] == waiter and e["name"].startswith("waiter (")]
    woken = [e for e in xs if e["tid"] == waiter and e["cat"] == "sched" and e["name"] == "lock wait"
             and w and inside(e, w[0]) and e["args"].get("waker_tid") == holder]
    ends = {e["id"] for e in events if e.get("ph") == "f" and e["tid"] == waiter}
    linked = [e for e in events if e.get("ph") == "s" and e["tid"] == holder and e["id"] in ends]
    if not woken or not linked:
        problems.append("waiter %d: %d lock waits woken by holder %d, %d flows from it; its "
                        "off-CPU slices: %s" % (waiter, len(woken), holder, len(linked), [
                            (e["name"], e["args"].get("waker_tid")) for e in xs
                            if e["tid"] == waiter and e["cat"] == "sched"][:6]))
    else:
        print("lock wait of the waiter woken by the holder, %d flows" % len(linked))
    if problems:
        print("\n".join(problems[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
