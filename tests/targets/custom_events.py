"""Custom events target: instants, counters and spans from share/vizbpf_events.py (its
directory is argv[1]), in threads too. What was emitted is printed as JSON on the last line of
stdout: the test compares the trace's events with it, count and values.

    custom_events.py EVENTS_DIR [GO_FILE]   with GO_FILE (attach mode): print "ready", wait
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
from vizbpf_events import counter, instant, span  # noqa: E402

emitted = {"instants": [], "counters": [], "spans": []}
lock = threading.Lock()


def note(kind, item):
    with lock:
        emitted[kind].append(item)


def work(tid_name, n):
    for i in range(n):
        instant("tick", i)
        note("instants", ["tick", i])
        with span("step"):
            counter("progress", done=i, ratio=i / 4, flag=bool(i % 2))
            note("counters", ["progress", {"done": i, "ratio": i / 4, "flag": int(bool(i % 2))}])
        note("spans", ["step"])


@span("decorated")
def decorated(x):
    instant("inside", "text %d" % x)
    note("instants", ["inside", "text %d" % x])
    return x * 2


def main():
    instant("start")
    note("instants", ["start", None])
    instant("values", -123456789012)
    note("instants", ["values", -123456789012])
    instant("values", 2.5)
    note("instants", ["values", 2.5])
    instant("values", True)
    note("instants", ["values", True])
    instant("values", [1, 2])
    note("instants", ["values", "<list>"])
    with span("outer"):
        with span("inner"):
            decorated(1)
            note("spans", ["decorated"])
        note("spans", ["inner"])
    note("spans", ["outer"])
    threads = [threading.Thread(target=work, args=("t%d" % k, 3)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(emitted), flush=True)


if len(sys.argv) > 2:
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
main()
