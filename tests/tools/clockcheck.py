"""Check a trace's times against CLOCK_MONOTONIC readings the program took around each call.

    python clockcheck.py TRACE.json READINGS.json

READINGS: tests/targets/clockcheck.py's output. For each of its two threads, the trace's f()
slices, in order, pair with the readings; vizbpf may shift a process's times by one constant
(the holds it cuts out, all before these calls), so there must be a shift c with
before_i <= start_i - c and end_i - c <= after_i for every call i: max(end_i - after_i) <=
min(start_i - before_i). Times in ns (the trace's microseconds carry three decimals).
Exit 0 when so, 1 with why.
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        events = json.load(f)["traceEvents"]
    with open(sys.argv[2]) as f:
        readings = json.load(f)
    fs = [e for e in events if e.get("ph") == "X" and e.get("name", "").startswith("f (")]
    pid = min(e["pid"] for e in fs) if fs else 0
    tids = sorted({e["tid"] for e in fs if e["pid"] == pid}, key=lambda t: t != pid)
    bad, out = [], []
    if len(tids) != 2:
        print("f() slices on %d threads, not 2" % len(tids))
        return 1
    for tid, name in zip(tids, ("main", "thread")):
        slices = sorted((e for e in fs if e["pid"] == pid and e["tid"] == tid), key=lambda e: e["ts"])
        pairs = readings[name]
        if len(slices) != len(pairs):
            bad.append("%s: %d f() slices, %d calls" % (name, len(slices), len(pairs)))
            continue
        lo, hi, slack = -10**18, 10**18, 10**18
        for e, (before, after) in zip(slices, pairs):
            start = round(e["ts"] * 1000)
            end = start + round(e["dur"] * 1000)
            lo = max(lo, end - after)
            hi = min(hi, start - before)
        if lo > hi:
            bad.append("%s: no single shift puts every f() within its readings (off by %d ns)"
                       % (name, lo - hi))
        else:
            out.append("%s: %d calls within their readings (%d ns to spare)"
                       % (name, len(pairs), hi - lo))
    if bad:
        print("\n".join(bad))
        return 1
    print("; ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
