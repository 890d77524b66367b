"""Event-option bench workloads (evbench.py). Prints `calls=N seconds=S` for the timed section.

    evloop.py plain N     N calls of an empty Python function (the custom events' baseline)
    evloop.py custom N    N calls of vizbpf_events.instant(name, i)
    evloop.py counter N   N calls of vizbpf_events.counter(name, a=i, b=1)
    evloop.py exc N       N exceptions raised in one function and caught by its caller
    evloop.py audit N     N sys.audit() calls from Python
    evloop.py gc N        N gc.collect(0)
"""
import gc
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "share"))
from vizbpf_events import counter, instant  # noqa: E402


def empty(name, value=None):
    return None


def fail(i):
    raise ValueError("bench")


def run(what, n):
    t0 = time.perf_counter()
    if what == "plain":
        for i in range(n):
            empty("bench", i)
    elif what == "custom":
        for i in range(n):
            instant("bench", i)
    elif what == "counter":
        for i in range(n):
            counter("bench", a=i, b=1)
    elif what == "exc":
        for i in range(n):
            try:
                fail(i)
            except ValueError:
                pass
    elif what == "audit":
        for i in range(n):
            sys.audit("bench.event", i)
    elif what == "gc":
        for i in range(n):
            gc.collect(0)
    else:
        raise SystemExit("evloop.py: unknown workload %r" % what)
    return time.perf_counter() - t0


if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    print("calls=%d seconds=%.9f" % (n, run(what, n)))
