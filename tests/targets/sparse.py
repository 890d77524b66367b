"""--log_sparse target: functions decorated with vizbpf_events.log_sparse (default, stack_depth=2,
stack_depth=-1, a method, in a thread) among undecorated ones. What a --log_sparse trace must
hold, by the rules the decorator documents, is counted by the program itself and printed as
JSON on the last line of stdout: {"sparse": {name: count}, "all": {name: count}} ("all": every
call of these functions, for the trace without --log_sparse).

    sparse.py EVENTS_DIR [GO_FILE]   with GO_FILE (attach mode): print "ready", wait for it
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
from vizbpf_events import log_sparse  # noqa: E402

calls = {}  # (function, the decorated caller's window it ran in): a dict, no Python call


def leaf(ctx):
    calls["leaf", ctx] = calls.get(("leaf", ctx), 0) + 1


def mid(ctx):
    calls["mid", ctx] = calls.get(("mid", ctx), 0) + 1
    leaf(ctx)


@log_sparse
def alone(i, ctx="alone"):
    calls["alone", "root"] = calls.get(("alone", "root"), 0) + 1
    mid(ctx)  # level 2: not recorded, unless inside a wider window
    return i


@log_sparse(stack_depth=2)
def two():
    calls["two", "root"] = calls.get(("two", "root"), 0) + 1
    mid("two")  # level 2: recorded; its leaf (level 3) is not


@log_sparse(stack_depth=-1)
def whole():
    calls["whole", "root"] = calls.get(("whole", "root"), 0) + 1
    mid("whole")  # the whole subtree
    alone(0, "whole")  # inside whole's window: it and all below it recorded (once)


class Job:
    @log_sparse
    def run(self):
        calls["Job.run", "root"] = calls.get(("Job.run", "root"), 0) + 1


def undecorated(n):
    calls["undecorated", None] = calls.get(("undecorated", None), 0) + 1
    for i in range(n):
        alone(i)
        mid(None)


def main():
    undecorated(3)
    for _ in range(2):
        two()
    whole()
    Job().run()
    t = threading.Thread(target=two)
    t.start()
    t.join()


if len(sys.argv) > 2:
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
main()


def count(fn, ctxs):
    return sum(n for (f, c), n in calls.items() if f == fn and c in ctxs)


alone_total = count("alone", {"root"})
sparse = {
    "alone": alone_total,  # every call of a decorated function, wherever it is called from
    "two": count("two", {"root"}),
    "whole": count("whole", {"root"}),
    "Job.run": count("Job.run", {"root"}),
    "mid": count("mid", {"two", "whole"}),
    "leaf": count("leaf", {"whole"}),
}
everything = {f: count(f, {"root", "alone", "two", "whole", None})
              for f in ("alone", "two", "whole", "Job.run", "mid", "leaf", "undecorated")}
print(json.dumps({"sparse": sparse, "all": everything}), flush=True)
if len(sys.argv) > 2:
    while not os.path.exists(sys.argv[2] + ".end"):
        time.sleep(0.01)
