"""Fidelity of a vizbpf trace against the compact sys.setprofile oracle
(oracle_compact.py), and of one oracle run against another (its own noise).

    python compare.py ANCHOR A B [--diff FILE]
        A, B: a vizbpf trace (.json, .json.gz) or an oracle_compact.py output (.oracle.json)

Each call is reduced to its path: the names (qualname file:line) of its
ancestors, from an anchor down. The anchor on the main thread is the program's
<module> in the file ANCHOR (what `python -m X` or `python X.py` runs: the
interpreter's start-up and exit, and the oracle's own frames, lie outside it);
on other threads it is their run() called by Thread._bootstrap_inner. Only the process that ran the
anchor first counts: the oracle sees no other.

Fidelity = calls whose path is in both runs (as a multiset) / calls of the
larger run. Prints "calls_A calls_B fidelity"; --diff writes the paths whose
counts differ, largest differences first, for a human to classify.
"""
import gzip
import json
import os
import sys
from collections import Counter

ROOT = -1


class Paths:
    """Interned paths: a path is (parent path, name), numbered."""

    def __init__(self):
        self.ids = {}
        self.parent = []
        self.name = []

    def child(self, parent, name):
        key = (parent, name)
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.parent)
            self.parent.append(parent)
            self.name.append(name)
        return i

    def render(self, i, last=4):
        names = []
        while i != ROOT:
            names.append(self.name[i])
            i = self.parent[i]
        names.reverse()
        head = "... > " if len(names) > last else ""
        return head + " > ".join(names[-last:])


def is_anchor(name, anchor):
    qual, _, where = name.partition(" ")
    return qual == "<module>" and os.path.realpath(where.rsplit(":", 1)[0]) == anchor


def is_thread_run(name, parent_name):
    return (name.split(" ", 1)[0].endswith("run") and parent_name is not None
            and parent_name.split(" ", 1)[0] in ("Thread._bootstrap_inner", "_bootstrap_inner"))


ORACLE_FILE = " " + os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle_compact.py:")


def count_forest(calls, paths, anchor, main, counts):
    """calls: (name, depth from 0, counted) in call order for one thread; an
    uncounted call only says the stack holds it (after a gap in the oracle)."""
    stack = []  # (name, path id or None when outside an anchored subtree)
    for name, depth, counted in calls:
        del stack[depth:]
        parent_name, parent_path = stack[-1] if stack else (None, None)
        if ORACLE_FILE in name:  # the oracle's own frames: its calls hang under its caller
            stack.append((parent_name, parent_path))
            continue
        if parent_path is not None:
            path = paths.child(parent_path, name)
        elif (is_anchor(name, anchor) if main else
              (is_thread_run(name, parent_name) or (parent_name is None and depth == 0
                                                    and name.split(" ", 1)[0].endswith("run")))):
            path = paths.child(ROOT, name)
        else:
            path = None
        if path is not None and counted:
            counts[path] += 1
        stack.append((name, path))


def trace_threads(path):
    """Per thread of the process that ran first: calls as (name, depth)."""
    opener = gzip.open if path.endswith(".gz") else open
    events = []
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith('{"ph":"X"'):
                e = json.loads(line.rstrip().rstrip(","))
                qual, _, where = e["name"].rpartition(" (")
                start = round(e["ts"] * 1000)
                events.append((e["pid"], e["tid"], start, -(start + round(e["dur"] * 1000)),
                               "%s %s" % (qual, where[:-1])))
    if not events:
        return None, []
    events.sort()
    main_pid = events[0][0]
    threads = {}
    for pid, tid, start, neg_end, name in events:
        if pid == main_pid:
            threads.setdefault(tid, []).append((start, -neg_end, name))
    out = []
    main_tid = None
    for tid, evs in threads.items():
        if tid == main_pid:
            main_tid = len(out)
        ends = []
        calls = []
        for start, end, name in evs:
            while ends and ends[-1] <= start:
                ends.pop()
            calls.append((name, len(ends), True))
            ends.append(end)
        out.append(calls)
    return main_tid, out


def oracle_threads(path):
    with open(path) as f:
        data = json.load(f)
    names = ["%s %s:%s" % tuple(c) for c in data["codes"]]
    out = []
    for evs in data["threads"]:
        depth = 0
        calls = []
        it = iter(evs)
        for i in it:
            if i >= 0:
                calls.append((names[i], depth, True))
                depth += 1
            elif i == -2:  # the stack as it is now, after a gap (oracle_compact.rearm)
                frames = [next(it) for _ in range(next(it))]
                calls.extend((names[f], d, False) for d, f in enumerate(frames))
                depth = len(frames)
            elif depth:
                depth -= 1
        out.append(calls)
    return 0, out


def load(path, paths, anchor):
    main, threads = (oracle_threads if path.endswith(".oracle.json") else trace_threads)(path)
    counts = Counter()
    for i, calls in enumerate(threads):
        count_forest(calls, paths, anchor, i == main, counts)
    return counts


def main():
    anchor = os.path.realpath(sys.argv[1])
    a_path, b_path = sys.argv[2], sys.argv[3]
    paths = Paths()
    a, b = load(a_path, paths, anchor), load(b_path, paths, anchor)
    na, nb = sum(a.values()), sum(b.values())
    same = sum(min(n, b[p]) for p, n in a.items())
    fidelity = same / max(na, nb) if max(na, nb) else 1.0
    print("%d %d %.6f" % (na, nb, fidelity))
    if "--diff" in sys.argv:
        diffs = {p: b[p] - a[p] for p in set(a) | set(b) if a[p] != b[p]}
        # Report a differing subtree once, at its topmost differing path, with the calls
        # that differ in all of it.
        weight = Counter()
        for p, d in diffs.items():
            top, q = p, paths.parent[p]
            while q != ROOT:
                if q in diffs:
                    top = q
                q = paths.parent[q]
            weight[top] += abs(d)
        with open(sys.argv[sys.argv.index("--diff") + 1], "w") as f:
            f.write("# %s: %d calls, %s: %d calls. Differing subtrees, largest first: calls"
                    " differing in it, count of its top path in B - in A, its top path\n"
                    % (a_path, na, b_path, nb))
            for p, w in weight.most_common(200):
                f.write("%7d %+6d  %s\n" % (w, diffs[p], paths.render(p)))


main()
