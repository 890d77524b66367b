"""Threads with names (threading.Thread.name): given, default ('Thread-N (target)' from 3.10),
and a subclass's. Each lives long enough to be named while it runs. With argv[1], waits
for that file to exist before the threads finish (attach-mode tests)."""
import os
import sys
import threading
import time


def work(n):
    time.sleep(0.15)
    while len(sys.argv) > 1 and not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
    return sum(range(n))


class Custom(threading.Thread):
    def run(self):
        work(10)


def main():
    threads = [threading.Thread(target=work, args=(100,), name="worker-α"),
               threading.Thread(target=work, args=(5,)),
               Custom(name="custom")]
    for t in threads:
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()
    print(" | ".join(sorted(t.name for t in threads)))


main()
