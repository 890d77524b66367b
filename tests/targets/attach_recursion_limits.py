"""Attach target: prints "ready" and waits for the file argv[1]. Then, with the
default recursion limit, it recurses to RecursionError three times and
measures how deep C-level recursion goes (recursion_error.py,
recursion_limits.py); with a limit given (argv[2]), it only sets it before
"ready", so that vizbpf sees a limit the stack cannot hold traced. It prints
"done" and waits for argv[1] + ".end". The number of Node.__repr__ calls that
started is printed too."""
import os
import sys
import time

import recursion_error
import recursion_limits

if len(sys.argv) > 2:
    sys.setrecursionlimit(int(sys.argv[2]))
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
if len(sys.argv) <= 2:
    recursion_error.report()
    # Not compared with the untraced run: how deep it goes may differ (reported).
    print("Node.__repr__ calls started", recursion_limits.report())
print("done", flush=True)
while not os.path.exists(sys.argv[1] + ".end"):
    time.sleep(0.01)
