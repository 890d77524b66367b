"""Calls functions (~150 k a second: more than a 1 MB ring buffer holds in half a second)
until the file argv[1] exists, then calls phase_two() once and goes on until argv[2] exists.
Prints "ready" as it starts and "phase two" after phase_two(): a test stops vizbpf in each
phase and looks where the trace lost events."""
import os
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def phase_two():
    pass


def run_until(path):
    while not os.path.exists(path):
        fib(10)
        time.sleep(0.001)


print("ready", flush=True)
run_until(sys.argv[1])
phase_two()
print("phase two", flush=True)
run_until(sys.argv[2])
