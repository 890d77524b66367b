"""--log_gc target: gc.collect(0), gc.collect(2) and one automatic collection, each freeing a
cycle whose __del__ runs inside the collection. What gc.callbacks is told is printed as JSON on
the last line of stdout, for the test to compare with the trace's gc slices.

    gc_events.py [GO_FILE]    with GO_FILE (attach mode): print "ready", wait for GO_FILE to
                              exist, run, then wait for GO_FILE.end before exiting
"""
import gc
import json
import os
import sys
import time

seen = []


def on_gc(phase, info):
    if phase == "stop":
        seen.append({"generation": info["generation"], "collected": info["collected"],
                     "uncollectable": info["uncollectable"]})


class Node:
    def __init__(self):
        self.me = self

    def __del__(self):
        finalizer_ran()


def finalizer_ran():
    pass


def make_cycles(n):
    for _ in range(n):
        Node()


def collect_gen0():
    make_cycles(3)
    gc.collect(0)


def collect_gen2():
    make_cycles(5)
    gc.collect(2)


def automatic():
    # Allocate past the generation-0 threshold: the interpreter collects on its own.
    before = len(seen)
    gc.set_threshold(50)
    i = 0
    while len(seen) == before:
        make_cycles(10)
        i += 1
    gc.set_threshold(700)


def main():
    gc.disable()
    gc.collect()
    gc.callbacks.append(on_gc)
    collect_gen0()
    collect_gen2()
    gc.enable()
    automatic()
    gc.disable()
    gc.callbacks.remove(on_gc)
    print(json.dumps(seen))
    sys.stdout.flush()


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.01)


if len(sys.argv) > 1:
    print("ready", flush=True)
    wait_for(sys.argv[1])
    main()
    wait_for(sys.argv[1] + ".end")
else:
    main()
