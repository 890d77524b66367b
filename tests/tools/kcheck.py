"""Checks a --kernel trace of tests/targets/kernel_io.py (its output in OUT) end to end.

    python kcheck.py TRACE.json OUT.txt FILE [--memory]

The trace is valid (every thread's slices nest strictly, kernel slices included; flow ids are
unique; each flow's end lies strictly inside a runnable slice of its thread, its start on the
waker); read_file() holds an openat of FILE and a read of its size; nap() holds a sleep call of
at least 50 ms that holds a sleeping slice; the waiter blocked on the Lock holds a lock wait
slice (state S, inside its futex call) whose waker is the holder, with a flow from the holder
to it; the crowd of hashing
threads has preempted or runnable slices inside hash_loop(); with --memory, the RSS and minor
fault counters reach what the program measured itself (90%). Exit 0, or 1 with what failed.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calltree import check_slices, load, span  # noqa: E402

SLEEP_CALLS = ("clock_nanosleep", "nanosleep", "select", "pselect6", "poll", "ppoll")


def inside(inner, outer):
    a, b = span(inner)
    c, d = span(outer)
    return c <= a and b <= d


def main():
    trace_path, out_path, path = sys.argv[1:4]
    events = load(trace_path)["traceEvents"]
    out = dict(l.split(None, 1) for l in open(out_path).read().splitlines() if " " in l)
    size, holder, waiter = int(out["size"]), int(out["holder"]), int(out["waiter"])
    problems = check_slices(events)
    xs = [e for e in events if e.get("ph") == "X"]

    def py(prefix, tid=None):
        return [e for e in xs if e["cat"] == "FEE" and e["name"].startswith(prefix + " (")
                and (tid is None or e["tid"] == tid)]

    def kernel(cat, tid, names=None):
        return [e for e in xs if e["cat"] == cat and e["tid"] == tid
                and (names is None or e["name"] in names)]

    # Flows: unique ids, an s and an f each, f strictly inside a runnable slice of its thread.
    flows = {}
    for e in events:
        if e.get("ph") in ("s", "f"):
            flows.setdefault(e["id"], []).append(e)
    for fid, pair in flows.items():
        phs = sorted(e["ph"] for e in pair)
        if phs != ["f", "s"]:
            problems.append("flow %s: %s" % (fid, phs))
            continue
        f = next(e for e in pair if e["ph"] == "f")
        t = round(f["ts"] * 1000)
        if f.get("bp") != "e" or not any(
                span(r)[0] < t < span(r)[1] for r in kernel("sched", f["tid"], ("runnable",))):
            problems.append("flow %s: its end is not strictly inside a runnable slice" % fid)

    # read_file(): openat of the file, read of its size.
    rf = py("read_file")
    if len(rf) != 1:
        problems.append("%d read_file slices" % len(rf))
    else:
        sys_in = [e for e in kernel("syscall", rf[0]["tid"]) if inside(e, rf[0])]
        if not any(e["name"] == "openat" and e["args"].get("path") == path for e in sys_in):
            problems.append("no openat of %s in read_file: %s" % (path, [e["name"] for e in sys_in]))
        if not any(e["name"] == "read" and e["args"].get("bytes") == size for e in sys_in):
            problems.append("no read of %d bytes in read_file: %s" % (size, [
                (e["name"], e["args"]) for e in sys_in if e["name"] == "read"]))

    # nap(): a sleep call >= 50 ms holding a sleeping slice.
    nap = py("nap")
    if len(nap) != 1:
        problems.append("%d nap slices" % len(nap))
    else:
        sleeps = [e for e in kernel("syscall", nap[0]["tid"], SLEEP_CALLS)
                  if inside(e, nap[0]) and e["dur"] >= 50000]
        if not sleeps:
            problems.append("no sleep call of >= 50 ms in nap()")
        elif not any(inside(s, sleeps[0]) for s in kernel("sched", nap[0]["tid"], ("sleeping",))):
            problems.append("the sleep call holds no sleeping slice")
        else:
            print("nap: %s %.1f ms" % (sleeps[0]["name"], sleeps[0]["dur"] / 1000))

    # The waiter: a lock wait (a futex sleep, state S) inside waiter(), inside its futex call,
    # woken by the holder, with a flow from the holder.
    w = py("waiter", waiter)
    futexes = kernel("syscall", waiter, ("futex",))
    woken = [e for e in kernel("sched", waiter, ("lock wait",))
             if w and inside(e, w[0]) and e["args"].get("waker_tid") == holder
             and e["args"].get("state") == "S" and any(inside(e, f) for f in futexes)]
    if not woken:
        problems.append("waiter %d: no lock wait in a futex call woken by holder %d: %s" % (
            waiter, holder, [(e["name"], e["args"]) for e in kernel("sched", waiter)
                             if w and inside(e, w[0])][:5]))
    linked = [fid for fid, pair in flows.items() if len(pair) == 2 and
              {(e["ph"], e["tid"]) for e in pair} == {("s", holder), ("f", waiter)}]
    if not linked:
        problems.append("no flow from holder %d to waiter %d" % (holder, waiter))
    else:
        print("lock: %d wake-ups of the waiter by the holder, %d flows" % (len(woken), len(linked)))

    # The crowd: more runnable threads than CPUs wait on the run queue.
    loops = py("hash_loop")
    queued = [e for e in xs if e["cat"] == "sched" and e["name"] in ("preempted", "runnable")
              and any(l["tid"] == e["tid"] and inside(e, l) for l in loops)]
    if not queued:
        problems.append("no preempted or runnable slice in %d hash_loop threads" % len(loops))
    else:
        print("crowd: %d preempted/runnable slices in hash_loop" % len(queued))

    # Memory counters (--kernel memory): the RSS and minor faults the program saw itself.
    if "--memory" in sys.argv:
        rss, minflt = int(out["rss"]), int(out["minflt"])
        cs = [e for e in events if e.get("ph") == "C"]
        mb = max((e["args"]["MB"] for e in cs if e["name"] == "RSS"), default=0)
        minor = max((e["args"]["minor"] for e in cs if e["name"] == "page faults"), default=0)
        if mb * (1 << 20) < 0.9 * rss:
            problems.append("RSS counter at most %.1f MB, the program saw %.1f MB" % (mb, rss / 2**20))
        if not 0.9 * minflt <= minor:
            problems.append("minor faults counter at most %d, the program counted %d" % (minor, minflt))
        else:
            print("memory: RSS %.1f MB (program %.1f), minor faults %d (program %d by then)" % (
                mb, rss / 2**20, minor, minflt))

    if problems:
        print("\n".join(problems[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
