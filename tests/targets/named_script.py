"""A script for --comm to match by name (tests/cli/36-comm.bats): prints "ready PID",
then calls tick() every 10 ms for argv[1] seconds, or until the file argv[2] exists."""
import os
import sys
import time


def tick(i):
    return i * 2


def main():
    print("ready", os.getpid(), flush=True)
    end = time.time() + float(sys.argv[1])
    i = 0
    while time.time() < end and not (len(sys.argv) > 2 and os.path.exists(sys.argv[2])):
        tick(i)
        i += 1
        time.sleep(0.01)
    print("done", flush=True)


if __name__ == "__main__":
    main()
