#!/usr/bin/env python3
"""Checks --log_print's instants against what the program wrote (tests/targets/print_lines.py).

    printcheck.py TRACE STDOUT_FILE STDERR_FILE [SKIP_PREFIX]

The text of the "print" instants on fd 1 (fd 2), in order, must be exactly the captured stdout
(stderr), each write cut at 200 bytes with its full length in "length"; with SKIP_PREFIX (attach
mode) the captured stdout starts with that text, written before vizbpf attached. Each instant
lies on the thread that printed, inside the slice of the Python function that printed (say,
long_line, worker). Prints a summary; exits 1 with the reason on a mismatch.
"""
import json
import sys

CUT = 200
PRINTER = {"out line": "say", "err line": "say", "L": "long_line", "thread line": "worker"}


def fail(msg):
    print(msg)
    sys.exit(1)


def printer_of(text):
    for prefix, fn in PRINTER.items():
        if text.startswith(prefix):
            return fn
    return None


def main():
    trace, out_path, err_path = sys.argv[1:4]
    skip = sys.argv[4].encode() if len(sys.argv) > 4 else b""
    events = json.load(open(trace))["traceEvents"]
    prints = [e for e in events if e.get("name") == "print" and e.get("ph") == "i"]
    slices = [e for e in events if e.get("ph") == "X"]
    want = {1: open(out_path, "rb").read(), 2: open(err_path, "rb").read()}
    if not want[1].startswith(skip):
        fail("stdout does not start with %r" % skip)
    want[1] = want[1][len(skip):]
    for fd in (1, 2):
        got = [e for e in prints if e["args"]["fd"] == fd]
        pos, data = 0, want[fd]
        for e in got:
            a = e["args"]
            text = a["string"].encode()
            whole = data[pos:pos + a["length"]]
            if len(whole) != a["length"]:
                fail("fd %d: a write of %d bytes past the end of what was written" % (fd, a["length"]))
            if whole[:CUT] != text or bool(a.get("truncated")) != (a["length"] > CUT):
                fail("fd %d: instant %r, the program wrote %r" % (fd, text, whole[:CUT]))
            pos += a["length"]
            fn = printer_of(whole.decode())
            if fn is None:
                continue  # a newline written on its own, or "done"
            inside = [s for s in slices if s["tid"] == e["tid"] and s["pid"] == e["pid"]
                      and s["name"].split(" ")[0].endswith(fn)
                      and s["ts"] - 0.001 <= e["ts"] <= s["ts"] + s["dur"] + 0.001]
            if not inside:
                fail("fd %d: %r at %s is not inside a %s slice of its thread" % (fd, text, e["ts"], fn))
        if pos != len(data):
            fail("fd %d: the instants hold %d bytes, the program wrote %d" % (fd, pos, len(data)))
    threads = {e["tid"] for e in prints}
    if len(threads) < 2:
        fail("the second thread's prints are not on their own thread")
    print("%d print instants = the program's stdout and stderr, each inside its printer"
          % len(prints))


main()
