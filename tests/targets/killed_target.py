"""A program for vizbpf to be killed on (tests/cli/35-killed.bats): it prints "ready",
waits for the file argv[3] (if given), then for ROUNDS rounds starts short threads ("threads"), or forks a child and runs a Python
subprocess ("forks"), and prints what it computed, the same untraced or traced. Last, a new
thread recurses close to the recursion limit, and (3.12) the main thread measures its C
recursion budget, once the file argv[4] exists (if given: traced, it is wider by design):
both must be as untraced."""
import os
import subprocess
import sys
import threading
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def worker(out, i):
    out[i] = fib(10 + i % 3)


def threads_round(k):
    out = [0] * 3
    ts = [threading.Thread(target=worker, args=(out, i)) for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(out)


def forks_round(k):
    pid = os.fork()
    if pid == 0:
        os._exit(fib(9) % 200)
    _, st = os.waitpid(pid, 0)
    got = os.waitstatus_to_exitcode(st) if hasattr(os, "waitstatus_to_exitcode") else st >> 8
    if k % 4 == 0:
        r = subprocess.run([sys.executable, "-c", "print(6 * 7)"], stdout=subprocess.PIPE)
        if not r.stdout.strip():  # said on stderr: how it ended
            print("the subprocess printed nothing: exit status", r.returncode, file=sys.stderr)
        got += int(r.stdout)
    return got


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


def deep():
    # Python frames to near the limit, in a thread started now.
    res = []
    limit = sys.getrecursionlimit()

    def run():
        try:
            res.append(down(limit - 60))
        except RecursionError:
            res.append("RecursionError")

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return res[0] == limit - 60


def c_depth():
    # The deepest nested list repr() handles on this thread: its C recursion budget (3.12+),
    # which must be as untraced once vizbpf is gone, however it went.
    lo, hi = 1, 20000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        x = []
        for _ in range(mid):
            x = [x]
        try:
            repr(x)
            lo = mid
        except RecursionError:
            hi = mid - 1
    return lo


def main():
    mode, rounds = sys.argv[1], int(sys.argv[2])  # MODE ROUNDS [GO_FILE [GONE_FILE]]
    print("ready", flush=True)
    while len(sys.argv) > 3 and not os.path.exists(sys.argv[3]):
        time.sleep(0.005)
    step = threads_round if mode == "threads" else forks_round
    total = 0
    for k in range(rounds):
        total += step(k)
        time.sleep(0.005)
    # Traced, the C budget is wider by design: it is measured once vizbpf is gone (the test
    # makes GONE_FILE then), where it must be as untraced.
    t = time.time() + 30
    while len(sys.argv) > 4 and not os.path.exists(sys.argv[4]) and time.time() < t:
        time.sleep(0.005)
    # 3.12 is where vizbpf widens C budgets (3.13's is large enough not to need it).
    budget = ["c_depth", c_depth()] if sys.version_info[:2] == (3, 12) else []
    print("result", mode, total, "deep", deep(), *budget, flush=True)


main()
