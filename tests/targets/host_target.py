"""A process for --all and --comm: ticks until the file argv[1] exists, then does a
known amount of work and exits. Prints 'ready' once it runs."""
import os
import sys
import time


def tick():
    time.sleep(0.005)


def square(x):
    return x * x


def work(n):
    total = 0
    for i in range(n):
        total += square(i)
    return total


def main(go):
    print("ready", flush=True)
    while not os.path.exists(go):
        tick()
    print(work(50), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
