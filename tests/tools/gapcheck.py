"""Check a trace of tests/targets/lossy_threads.py made with events lost (a tiny ring buffer).

    python gapcheck.py TRACE.json ORACLE.json TARGET.py ROUNDS

ORACLE.json: tests/tools/oracle.py on the same target, any number of rounds (it gives each
function's callers and what one round calls). The trace, made with ROUNDS rounds, must be
well formed (strict nesting, calltree.check_slices), and
  - every thread whose calls are not all there has a "vizbpf: events lost here" marker;
  - every slice of a function of TARGET sits under a caller the oracle saw calling it, unless
    its args say events were lost before it (args.events_lost starting with "before").
Exit 0 when so, 1 with the first problems. Prints what it counted.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calltree import NAME, check_slices, load, span  # noqa: E402

MARKER = "vizbpf: events lost here"
ROUND = "one_round"


def oracle_facts(threads, target):
    """Each function's callers (nearest function of target, None at a thread's bottom) and how
    many calls one round makes (itself included)."""
    parents, per_round = {}, None
    for evs in threads:
        stack = []  # name, or None for functions outside target
        sizes = []  # open rounds: [calls so far]
        for kind, name, file, _line in evs:
            if kind == "call":
                kept = os.path.realpath(file) == target
                if kept:
                    parent = next((n for n in reversed(stack) if n), None)
                    parents.setdefault(name, set()).add(parent)
                    for s in sizes:
                        s[0] += 1
                    if name == ROUND:
                        sizes.append([1])
                stack.append(name if kept else None)
            elif stack:
                if stack.pop() == ROUND:
                    n = sizes.pop()[0]
                    if per_round not in (None, n):
                        raise SystemExit("oracle: rounds of different sizes")
                    per_round = n
    return parents, per_round


def main():
    trace_path, oracle_path, target, rounds = sys.argv[1:5]
    target, rounds = os.path.realpath(target), int(rounds)
    events = load(trace_path)["traceEvents"]
    problems = check_slices(events)
    parents, per_round = oracle_facts(load(oracle_path), target)
    # A worker thread: worker() and its rounds.
    complete = 1 + rounds * per_round
    threads, marked = {}, set()
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if e.get("ph") == "i" and e.get("name") == MARKER:
            marked.add(key)
        if e.get("ph") != "X":
            continue
        m = NAME.match(e["name"])
        if m and os.path.realpath(m.group(2)) == target:
            threads.setdefault(key, []).append((m.group(1), e))
    wrong = flagged = slices = lossy = 0
    for key, evs in threads.items():
        names = [n for n, _ in evs]
        if "worker" in names or ROUND in names:
            if len(evs) != complete:
                lossy += 1
                if key not in marked:
                    problems.append("thread %r: %d of %d calls there, no %r marker" %
                                    (key, len(evs), complete, MARKER))
        evs.sort(key=lambda ne: (span(ne[1])[0], -span(ne[1])[1]))
        stack = []  # (end, name)
        for name, e in evs:
            start, end = span(e)
            while stack and stack[-1][0] <= start:
                stack.pop()
            parent = stack[-1][1] if stack else None
            stack.append((end, name))
            if name not in parents:
                continue
            slices += 1
            if str(e.get("args", {}).get("events_lost", "")).startswith("before"):
                flagged += 1
                continue
            if parent not in parents[name]:
                wrong += 1
                if wrong <= 10:
                    problems.append("thread %r: %s at %s under %s; the oracle: under %s" %
                                    (key, name, e["ts"], parent, sorted(map(str, parents[name]))))
    print("%d slices checked, %d flagged as after lost events, %d under a wrong caller; "
          "%d threads lacking calls, %d marked" % (slices, flagged, wrong, lossy, len(marked)))
    if problems:
        print("\n".join(problems[:20]))
        return 1
    return 0


sys.exit(main())
