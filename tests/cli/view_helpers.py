# SPDX-License-Identifier: BSD-2-Clause
"""Synthetic traces in vizbpf's output format, for the viewer tests.

    python3 view_helpers.py small OUT.json[.gz] SOURCE.py
    python3 view_helpers.py big OUT.json[.gz] EVENTS

small: one process ("python3 demo.py", pid 4242) with three named threads (MainThread,
worker-1, and one whose name holds "</script><!--"); main -> fib (recursive, 4 deep) on the main
thread, work -> helper on the worker, helper on the third; every slice is
"qualname (SOURCE.py:LINE)" with the lines of the functions in SOURCE.py, which is written too so
the source view has a file to show.

big: EVENTS complete events ("X") in well-nested 4-deep call trees on 4 threads, written as a
stream so memory stays flat, as vizbpf's own writer does.
"""
import gzip
import json
import sys

SOURCE = '''\
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def helper(x):
    return x * 2


def work():
    return helper(21)


def main():
    print(fib(4), work())


main()
'''
LINES = {"fib": 1, "helper": 7, "work": 11, "main": 15, "<module>": 1}
PID = 4242
ODD_THREAD = "odd </script><!-- <script> thread"


def opener(path):
    if path.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=1)
    return open(path, "w", encoding="utf-8")


def meta(src):
    return {"version": "0.1.0", "producer": "tests/cli/view_helpers.py (synthetic)",
            "python_version": "3.11.2", "mechanism": "synthetic", "source": src}


def small(out, src):
    with open(src, "w", encoding="utf-8") as f:
        f.write(SOURCE)
    ev = []

    def x(name, ts, dur, tid):
        ev.append({"ph": "X", "cat": "FEE", "name": f"{name} ({src}:{LINES[name]})",
                   "ts": round(ts, 3), "dur": round(dur, 3), "pid": PID, "tid": tid})

    x("<module>", 0.0, 1000.0, PID)
    x("main", 10.0, 900.0, PID)

    def fib(n, ts):
        # Returns the duration; children first so the parent's span covers them exactly.
        t = ts + 1.0
        if n >= 2:
            t += fib(n - 1, t) + 1.0
            t += fib(n - 2, t) + 1.0
        dur = t - ts + 1.0
        x("fib", ts, dur, PID)
        return dur

    fib(4, 20.0)
    x("work", 300.0, 100.0, PID + 1)
    x("helper", 320.0, 50.0, PID + 1)
    ev.append({"ph": "M", "name": "process_name", "pid": PID, "tid": PID,
               "args": {"name": "python3 demo.py"}})
    ev.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": PID,
               "args": {"name": "MainThread"}})
    ev.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": PID + 1,
               "args": {"name": "worker-1"}})
    # A name that would end the report's <script> element if the JSON were not escaped.
    x("helper", 500.0, 10.0, PID + 2)
    ev.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": PID + 2,
               "args": {"name": ODD_THREAD}})
    with opener(out) as f:
        json.dump({"traceEvents": ev, "displayTimeUnit": "ns",
                   "viztracer_metadata": meta(src)}, f)


def big(out, n):
    threads = 4
    with opener(out) as f:
        f.write('{"traceEvents":[\n')
        f.write(json.dumps({"ph": "M", "name": "process_name", "pid": 1, "tid": 1,
                            "args": {"name": "python3 big.py"}}))
        for t in range(threads):
            f.write(",\n" + json.dumps({"ph": "M", "name": "thread_name", "pid": 1,
                                        "tid": 1 + t, "args": {"name": f"T{t}"}}))
        # Call trees of 8 slices: a(b(c(d)) c(d) d); per thread, consecutive trees.
        tree = [("a", 0, 20), ("b", 1, 8), ("c", 2, 5), ("d", 3, 1), ("c", 10, 5),
                ("d", 11, 1), ("d", 16, 2), ("e", 18, 1)]
        clock = [0] * threads
        written = 0
        buf = []
        while written < n:
            t = (written // len(tree)) % threads
            base = clock[t]
            for name, off, dur in tree:
                if written >= n:
                    break
                buf.append('{"ph":"X","cat":"FEE","name":"%s (/big/mod%d.py:%d)","ts":%d.500,'
                           '"dur":%d.000,"pid":1,"tid":%d}'
                           % (name, written % 7, off + 1, base + off, dur, 1 + t))
                written += 1
            clock[t] = base + 25
            if len(buf) >= 10000:
                f.write(",\n" + ",\n".join(buf))
                buf = []
        if buf:
            f.write(",\n" + ",\n".join(buf))
        f.write('\n],"displayTimeUnit":"ns","viztracer_metadata":%s}\n'
                % json.dumps(meta("big")))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("small", "big"):
        sys.exit(__doc__)
    if sys.argv[1] == "small":
        small(sys.argv[2], sys.argv[3])
    else:
        big(sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    main()
