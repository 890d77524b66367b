"""Compare, call by call, the names of a trace's calls with the oracle's, for
the functions whose file name matches a pattern (files that do not exist on
disk, like "<snippet 3>" or "<doctest m[2]>", which calltree.py cannot
select by path).

    python callnames.py TRACE.json ORACLE.json FILE_REGEX

Each thread's calls of matching files, in call order, as "qualname (file:line)",
must equal one of the oracle's threads' (as multisets of sequences; thread ids
differ between runs). Exit 0 when equal, 1 with the first differences.
"""
import difflib
import gzip
import json
import re
import sys

NAME = re.compile(r"^(.*) \((.*):(\d+)\)$")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def trace_sequences(events, files):
    by_thread = {}
    for e in events:
        if e.get("ph") != "X":
            continue
        m = NAME.match(e["name"])
        if m and files.search(m.group(2)):
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    seqs = []
    for evs in by_thread.values():
        # Call order: by start, the enclosing (longer) slice first.
        evs.sort(key=lambda e: (round(e["ts"] * 1000), -round(e["dur"] * 1000)))
        seqs.append([e["name"] for e in evs])
    return seqs


def oracle_sequences(threads, files):
    seqs = []
    for evs in threads:
        seq = ["%s (%s:%s)" % (name, file, line)
               for kind, name, file, line in evs if kind == "call" and files.search(file)]
        if seq:
            seqs.append(seq)
    return seqs


def main():
    trace_path, oracle_path, pattern = sys.argv[1:4]
    files = re.compile(pattern)
    got = sorted(trace_sequences(load(trace_path)["traceEvents"], files))
    want = sorted(oracle_sequences(load(oracle_path), files))
    if got == want:
        print("call names equal: %d threads, %d calls" % (len(want), sum(map(len, want))))
        return 0
    a = [n for s in want for n in s + ["--"]]
    b = [n for s in got for n in s + ["--"]]
    wrong = sum(1 for x, y in zip(a, b) if x != y)
    print("call names differ (%d of %d calls at the same position):" % (wrong, len(a)))
    sys.stdout.writelines(l + "\n" for l in
                          list(difflib.unified_diff(a, b, "oracle", "vizbpf", lineterm=""))[:60])
    return 1


sys.exit(main())
