"""Checks a --kernel syscalls trace taken in an attach mode (-p, --all) of
tests/targets/kernel_attach.py (process PID, its probe file PROBE, N getppid calls).

    python kattach.py TRACE.json PID PROBE N

The slices nest strictly; in process PID there is one outer() holding one inner(), which holds
an openat of PROBE and exactly N getppid slices: the system calls made after attach, in the
Python calls that made them. Exit 0, or 1 with what failed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calltree import check_slices, load, span  # noqa: E402


def main():
    trace_path, pid, probe, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
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
    if problems:
        print("\n".join(problems[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
