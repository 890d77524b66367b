"""Calls functions as fast as it can until the file argv[1] exists or argv[2] seconds have
passed (a bound for a test that fails), then prints how many rounds it ran."""
import os
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def main(stop, seconds):
    end = time.monotonic() + seconds
    rounds = 0
    print("ready", flush=True)
    while not os.path.exists(stop) and time.monotonic() < end:
        for _ in range(20):
            fib(12)
        rounds += 1
    print(rounds > 0)


main(sys.argv[1], float(sys.argv[2]))
