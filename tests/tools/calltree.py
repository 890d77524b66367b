"""Compare the call trees of a vizbpf trace with those of the oracle.

    python calltree.py TRACE.json ORACLE.json TARGET.py
    python calltree.py TRACE.json - - --check-only    (validity only)
    python calltree.py TRACE.json ORACLE.json TARGET.py --root=main --root=worker
        (only the subtrees of those functions: what an attached trace can hold)

Both sides are reduced to the functions defined in TARGET.py: each kept call
hangs under its nearest kept ancestor. Threads are compared as a multiset of
forests (thread ids differ between runs). Exit 0 when equal, 1 with a diff.
Also checks that the trace is well formed: required fields, and slices that
nest strictly on each thread.
"""
import difflib
import gzip
import json
import os
import re
import sys

NAME = re.compile(r"^(.*) \((.*):(\d+)\)$")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def render(forest, depth=0, out=None):
    out = [] if out is None else out
    for name, children in forest:
        out.append("  " * depth + name)
        render(children, depth + 1, out)
    return out


def span(e):
    """Start and end in integer ns: float microseconds would blur equal boundaries."""
    start = round(e["ts"] * 1000)
    return start, start + round(e["dur"] * 1000)


def check_slices(events):
    """Required fields, and strict nesting per thread. Returns problems."""
    problems = []
    by_thread = {}
    for e in events:
        if e.get("ph") != "X":
            continue
        for k in ("name", "cat", "ts", "dur", "pid", "tid"):
            if k not in e:
                problems.append("X event without %s: %r" % (k, e))
        by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    for key, evs in by_thread.items():
        evs.sort(key=lambda e: (span(e)[0], -span(e)[1]))
        stack = []
        for e in evs:
            start, end = span(e)
            while stack and stack[-1] <= start:
                stack.pop()
            if stack and end > stack[-1]:
                problems.append("thread %r: %s overlaps its parent" % (key, e["name"]))
            stack.append(end)
    return problems


def trace_forests(events, target):
    by_thread = {}
    for e in events:
        if e.get("ph") == "X":
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    forests = []
    for evs in by_thread.values():
        evs.sort(key=lambda e: (span(e)[0], -span(e)[1]))
        root = []
        stack = []  # (end, children list)
        for e in evs:
            m = NAME.match(e["name"])
            if not m or os.path.realpath(m.group(2)) != target:
                continue
            start, end = span(e)
            while stack and stack[-1][0] <= start:
                stack.pop()
            node = ("%s:%s" % (m.group(1), m.group(3)), [])
            (stack[-1][1] if stack else root).append(node)
            stack.append((end, node[1]))
        if root:
            forests.append(root)
    return forests


def oracle_forests(threads, target):
    forests = []
    for evs in threads:
        root = []
        stack = []  # (kept?, children list)
        for kind, name, file, line in evs:
            if kind == "call":
                kept = os.path.realpath(file) == target
                parent = next((c for k, c in reversed(stack) if k), root)
                if kept:
                    node = ("%s:%s" % (name, line), [])
                    parent.append(node)
                    stack.append((True, node[1]))
                else:
                    stack.append((False, None))
            elif stack:
                stack.pop()
        if root:
            forests.append(root)
    return forests


def only_roots(forests, roots):
    """The subtrees whose function is one of roots (outermost ones), per thread."""
    out = []

    def collect(nodes, acc):
        for name, children in nodes:
            if name.split(":")[0] in roots:
                acc.append((name, children))
            else:
                collect(children, acc)

    for forest in forests:
        acc = []
        collect(forest, acc)
        if acc:
            out.append(acc)
    return out


def canonical(forests):
    return sorted("\n".join(render(f)) for f in forests)


def main():
    # render() recurses once per level: traces of deep recursions are deeper than the default.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    trace_path, oracle_path, target = sys.argv[1:4]
    target = os.path.realpath(target)
    trace = load(trace_path)
    problems = check_slices(trace["traceEvents"])
    if problems:
        print("\n".join(problems[:20]))
        return 1
    if "--check-only" in sys.argv:
        return 0
    got = trace_forests(trace["traceEvents"], target)
    want = oracle_forests(load(oracle_path), target)
    roots = [a.split("=", 1)[1] for a in sys.argv[4:] if a.startswith("--root=")]
    if roots:
        got, want = only_roots(got, roots), only_roots(want, roots)
    got, want = canonical(got), canonical(want)
    if got == want:
        n = sum(s.count("\n") + 1 for s in want)
        print("call trees equal: %d threads, %d calls" % (len(want), n))
        return 0
    a = "\n\n".join(want).splitlines()
    b = "\n\n".join(got).splitlines()
    sys.stdout.writelines(l + "\n" for l in
                          list(difflib.unified_diff(a, b, "oracle", "vizbpf", lineterm=""))[:200])
    return 1


if __name__ == "__main__":
    sys.exit(main())
