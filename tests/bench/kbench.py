"""make bench, --kernel rows: what the kernel tracepoints add, side by side in one run.

    kbench.py --vizbpf PATH --repeats R [PYTHON]

- per syscall, traced: a loop of Python calls each making one system call, under vizbpf with
  and without --kernel syscalls,sched: the difference per system call (budget 0.3 us);
- per syscall, untraced: a bare system call loop in a process vizbpf does not trace, while a
  vizbpf --kernel syscalls,sched traces another process, against none running (budget 60 ns);
- per Python call, traced: a loop of calls making no system call, with and without --kernel
  syscalls (where the kernel's optimized uprobes enter by a system call of their own, the
  syscall tracepoints' slow path shows here; fentry on x64_sys_call should add ~nothing);
- per scheduler event: two threads of a traced process waking each other through pipes (two
  context switches and two wake-ups per round trip), with and without --kernel sched.
Best of R runs each (the machine is shared). Prints the rows; exit 1 only if a run fails.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
N_SYS = 200_000
N_RAW = 1_000_000
N_PING = 20_000


def timed(cmd):
    p = subprocess.run(cmd, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode:
        raise SystemExit("kbench: %s failed: %s" % (" ".join(cmd), p.stderr[-500:]))
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("calls="):
            kv = dict(f.split("=") for f in line.split())
            return float(kv["seconds"]) / float(kv["calls"])
    raise SystemExit("kbench: no timing from %s" % " ".join(cmd))


def best(cmd, repeats):
    return min(timed(cmd) for _ in range(repeats))


def traced(args, py, kernel, what, n, out):
    cmd = [args.vizbpf, "-q", "-o", out]
    if kernel:
        cmd += ["--kernel", kernel]
    return best(cmd + ["--", py, "sysloop.py", what, str(n)], args.repeats)


def neighbour(args, py, kernel, out):
    """The untraced loop's cost per system call while vizbpf traces a sleeping process."""
    if not kernel:
        return best([py, "sysloop.py", "raw", str(N_RAW)], args.repeats)
    v = subprocess.Popen([args.vizbpf, "-q", "-o", out, "--kernel", kernel, "--", py,
                          "sysloop.py", "wait"], cwd=HERE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    child = None
    try:
        words = v.stdout.readline().split()
        if len(words) != 2 or words[0] != "ready":
            raise SystemExit("kbench: the traced process did not start")
        child = int(words[1])
        time.sleep(0.3)  # attached: the tracepoints are on
        return best([py, "sysloop.py", "raw", str(N_RAW)], args.repeats)
    finally:
        # The traced program ends, so does vizbpf (launch mode).
        if child:
            os.kill(child, signal.SIGTERM)
        try:
            v.wait(20)
        except subprocess.TimeoutExpired:
            v.kill()
            v.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vizbpf", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("python", nargs="?", default="/usr/bin/python3.11")
    args = ap.parse_args()
    py, out = args.python, os.path.join(args.tmp, "kbench.json")

    base = traced(args, py, None, "syscalls", N_SYS, out)
    kern = traced(args, py, "syscalls,sched", "syscalls", N_SYS, out)
    calls = traced(args, py, None, "calls", N_SYS, out)
    calls_k = traced(args, py, "syscalls", "calls", N_SYS, out)
    alone = neighbour(args, py, None, out)
    beside = neighbour(args, py, "syscalls,sched", out)
    ping = traced(args, py, None, "pingpong", N_PING, out)
    ping_k = traced(args, py, "sched", "pingpong", N_PING, out)
    rows = [
        ("syscall, traced (--kernel syscalls,sched)", base, kern, (kern - base) * 1e9, 300),
        ("Python call, traced (--kernel syscalls)", calls, calls_k, (calls_k - calls) * 1e9, None),
        ("syscall, untraced process beside vizbpf", alone, beside, (beside - alone) * 1e9, 60),
        # a round trip: 2 switches in, 2 out, 2 wake-ups on each side... counted as 4 events
        ("scheduler event (--kernel sched)", ping, ping_k, (ping_k - ping) / 4 * 1e9, None),
    ]
    print("--kernel costs (%s, best of %d; per unit: without -> with, added):" % (py, args.repeats))
    for name, a, b, added, budget in rows:
        verdict = "" if budget is None else ("  within %d ns" % budget if added <= budget
                                             else "  OVER the %d ns budget" % budget)
        print("  %-45s %8.0f ns -> %8.0f ns  %+7.0f ns%s" % (name, a * 1e9, b * 1e9, added,
                                                           verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
