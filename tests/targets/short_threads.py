"""Twenty threads that start and end within a millisecond, set nothing but their name
(ten given, ten default 'Thread-N (target)' / 'Thread-N'), then exit: a thread's name
must not depend on how long it lives. With argv[1], waits for that file to exist before
starting them (attach-mode tests). Prints the names, sorted, joined by ' | '."""
import os
import sys
import threading
import time


def nothing():
    pass


def main():
    print("ready", flush=True)
    while len(sys.argv) > 1 and not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
    threads = []
    for i in range(20):
        t = threading.Thread(target=nothing, name="short-%02d" % i if i % 2 else None)
        t.start()
        t.join()
        threads.append(t)
    print(" | ".join(sorted(t.name for t in threads)), flush=True)


main()
