"""Attach target: after the file argv[1] appears, a new thread recurses to
depth 950 (under the default limit) and the result is printed."""
import os
import sys
import threading
import time


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


def worker(out):
    out.append(down(950))


print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
out = []
t = threading.Thread(target=worker, args=(out,))
t.start()
t.join()
print("depth", out, flush=True)
while not os.path.exists(sys.argv[1] + ".end"):
    time.sleep(0.01)
