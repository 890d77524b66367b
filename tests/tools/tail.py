"""--tracer_entries check: the slices of TARGET in a vizbpf trace are exactly the last N slices
of TARGET that the sys.setprofile oracle saw close, in the same order (by end time).

    python tail.py TRACE.json ORACLE.json TARGET.py N

Prints what it compared; exits 1 with the first difference."""
import json
import os
import sys


def oracle_tail(path, target, n):
    closed = []
    for events in json.load(open(path)):  # one list per thread; the target is single-threaded
        stack = []
        for kind, name, file, _line in events:
            if kind == "call":
                stack.append((name, file))
            elif stack:
                name, file = stack.pop()
                if os.path.realpath(file) == target:
                    closed.append(name)
    return closed[-n:], len(closed)


def trace_slices(path, target):
    doc = json.load(open(path))
    got = []
    for e in doc["traceEvents"]:
        if e.get("ph") != "X":
            continue
        name, _, where = e["name"].rpartition(" (")
        file = where.rsplit(":", 1)[0]
        if os.path.realpath(file) == target:
            end = round(e["ts"] * 1000) + round(e["dur"] * 1000)
            got.append((end, name))
    got.sort()
    return [name for _, name in got], doc["viztracer_metadata"]


def main():
    trace, oracle, target, n = sys.argv[1], sys.argv[2], os.path.realpath(sys.argv[3]), int(sys.argv[4])
    want, total = oracle_tail(oracle, target, n)
    got, meta = trace_slices(trace, target)
    if total <= n:
        print("oracle saw only %d slices for N=%d: nothing to compare" % (total, n))
        return 1
    if len(got) != n:
        print("trace has %d slices of the target, want exactly %d" % (len(got), n))
        return 1
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print("slice %d of the last %d: trace %s, oracle %s" % (i, n, g, w))
            print("trace: ", got[max(0, i - 5):i + 5])
            print("oracle:", want[max(0, i - 5):i + 5])
            return 1
    print("last %d of %d slices equal the oracle's; tracer_entries=%s slices_not_kept=%s"
          % (n, total, meta.get("tracer_entries"), meta.get("slices_not_kept")))
    return 0


sys.exit(main())
