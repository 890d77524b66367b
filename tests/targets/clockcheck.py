"""Times each call of f() by CLOCK_MONOTONIC around it (time.monotonic_ns()), in the main
thread and in a thread, with pauses between (so that a traced evaluator's clock re-anchors),
and prints the readings as JSON: {"main": [[before, after], ...], "thread": [...]}. A trace's
f() slices must each lie within their pair (tests/tools/clockcheck.py)."""
import json
import threading
import time


def f():
    pass


def run(out):
    for i in range(600):
        before = time.monotonic_ns()
        f()
        after = time.monotonic_ns()
        out.append((before, after))
        if i % 50 == 0:
            time.sleep(0.003)


main, other = [], []
run(main)
t = threading.Thread(target=run, args=(other,))
t.start()
t.join()
print(json.dumps({"main": main, "thread": other}))
