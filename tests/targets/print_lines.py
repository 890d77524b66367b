"""--log_print target: known lines to stdout and stderr, each print flushed (so each is its own
write), from the main thread and from a second thread, and one line longer than what vizbpf
keeps of a write. The oracle is what the program wrote: the test captures stdout and stderr.

    print_lines.py [GO_FILE]   with GO_FILE (attach mode): print "ready", wait for it to exist
                               before printing, and for GO_FILE.end before exiting
"""
import os
import sys
import threading
import time


def say(i):
    print("out line %d" % i, flush=True)
    print("err line %d: é ✓" % i, file=sys.stderr, flush=True)


def long_line():
    print("L" * 300, flush=True)


def worker():
    for i in range(2):
        print("thread line %d" % i, flush=True)


def main():
    for i in range(3):
        say(i)
    long_line()
    t = threading.Thread(target=worker, name="printer")
    t.start()
    t.join()


if len(sys.argv) > 1:
    go = sys.argv[1]
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    main()
    print("done", flush=True)
    while not os.path.exists(go + ".end"):
        time.sleep(0.01)
else:
    main()
