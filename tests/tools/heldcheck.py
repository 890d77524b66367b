"""Check that vizbpf's holds of a launched program are not drawn as the program's time.

    python heldcheck.py TRACE.json ELAPSED_MS WALL_MS [SLACK_MS]

ELAPSED_MS: what the program measured itself (tests/targets/timed.py); WALL_MS: how long the
whole vizbpf command took. On the program's main thread, the first call (where a launched
program is held to set up tracing: its untraced duration is well under a millisecond) and
every top-level slice open at a vizbpf marker must last at most ELAPSED_MS + SLACK_MS
(default 5); the program's own <module> between ELAPSED_MS (the cut never eats the program's
time) and ELAPSED_MS + SLACK_MS; and a marker (instant, cat "vizbpf") named "vizbpf: held to
set up tracing" must say it was held 0 < held_ms < WALL_MS. (Startup imports, site's .pth
files, are the program's time but not measured by it: other top slices are not bounded.)
Exit 0 when so, 1 with why.
"""
import json
import sys


def main():
    trace, elapsed, wall = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    slack = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
    with open(trace) as f:
        events = json.load(f)["traceEvents"]
    xs = [e for e in events if e.get("ph") == "X"]
    pid = min(e["pid"] for e in xs)
    main_thread = sorted((e for e in xs if e["pid"] == pid and e["tid"] == pid),
                         key=lambda e: (e["ts"], -e["dur"]))
    top, end, bad = [], -1.0, []
    for e in main_thread:
        if e["ts"] >= end:
            top.append(e)
            end = e["ts"] + e["dur"]
    all_marks = [e for e in events if e.get("ph") == "i" and e.get("cat") == "vizbpf"
                 and e["pid"] == pid and e["tid"] == pid]
    held_over = [e for e in top if any(e["ts"] <= m["ts"] <= e["ts"] + e["dur"] for m in all_marks)]
    for e in [top[0]] + held_over:
        if e["dur"] / 1000 > elapsed + slack:
            bad.append("top slice %s lasts %.3f ms, the program measured %.3f ms"
                       % (e["name"], e["dur"] / 1000, elapsed))
    module = [e for e in top if e["name"].startswith("<module> (") and "timed.py" in e["name"]]
    if len(module) != 1:
        bad.append("no single <module> of timed.py among the top slices")
    elif not elapsed <= module[0]["dur"] / 1000 <= elapsed + slack:
        bad.append("<module> lasts %.3f ms, the program measured %.3f ms"
                   % (module[0]["dur"] / 1000, elapsed))
    marks = [e for e in all_marks if e["name"] == "vizbpf: held to set up tracing"]
    if len(marks) != 1:
        bad.append("%d 'held to set up tracing' markers, not 1" % len(marks))
    elif not 0 < marks[0]["args"]["held_ms"] < wall:
        bad.append("held %.3f ms: not within the run's %.1f ms" % (marks[0]["args"]["held_ms"], wall))
    if bad:
        print("\n".join(bad))
        return 1
    print("first call %.3f ms, <module> %.3f ms (program: %.3f ms), held %.3f ms there"
          % (top[0]["dur"] / 1000, module[0]["dur"] / 1000, elapsed, marks[0]["args"]["held_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
