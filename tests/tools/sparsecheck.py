#!/usr/bin/env python3
"""Checks a trace of tests/targets/sparse.py against the counts the program printed.

    sparsecheck.py TRACE JSON_LINE sparse|all

sparse (--log_sparse): the trace's slices are exactly the calls the program counted under
"sparse", no other function, not one wrapper; all (no option): each function counted under
"all" has that many slices (the decorated ones included), and no wrapper is drawn either.
Exits 1 with the reason on a mismatch.
"""
import collections
import json
import sys


def main():
    trace, line, mode = sys.argv[1:4]
    want = json.loads(line)[mode]
    events = json.load(open(trace))["traceEvents"]
    names = collections.Counter()  # the target's own functions
    elsewhere = collections.Counter()  # the rest (the standard library's, the wrappers)
    for e in events:
        if e.get("ph") == "X" and e.get("cat") == "FEE":
            qual, _, where = e["name"].partition(" (")
            # 3.8-3.10 name a method by co_name alone
            (names if where.split(":")[0].endswith("/sparse.py") else elsewhere)[qual] += 1
    wrappers = [n for n in list(names) + list(elsewhere) if "_vizbpf_sparse" in n]
    if wrappers:
        print("wrapper slices drawn: %s" % wrappers)
        sys.exit(1)
    got = {}
    for fn in want:
        short = fn.split(".")[-1]
        got[fn] = names.get(fn, 0) + (names.get(short, 0) if short != fn else 0)
    if got != want:
        print("slices %s, the program counted %s" % (got, want))
        sys.exit(1)
    if mode == "sparse":
        # mid and leaf are kept only inside the window of two or whole, on the same thread
        roots = [e for e in events if e.get("ph") == "X" and e["name"].split(" (")[0] in ("two", "whole")]
        for e in events:
            if e.get("ph") == "X" and e["name"].split(" (")[0] in ("mid", "leaf") and not any(
                    r["tid"] == e["tid"] and r["ts"] <= e["ts"] and e["ts"] + e["dur"] <= r["ts"] + r["dur"]
                    for r in roots):
                print("%s at %s outside every window" % (e["name"], e["ts"]))
                sys.exit(1)
        others = dict(elsewhere)
        others.update({n: c for n, c in names.items()
                       if n not in want and n.split(".")[-1] not in {f.split(".")[-1] for f in want}})
        if others:
            print("slices of functions not decorated nor in a window: %s" % others)
            sys.exit(1)
    print("%s: %s" % (mode, json.dumps(got, sort_keys=True)))


main()
