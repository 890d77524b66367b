"""Calls functions as fast as it can until the file argv[1] exists, then calls phase_two()
once and goes on until argv[2] exists. Prints "ready" as it starts and "phase two" after
phase_two(): a test stops vizbpf in each phase and looks where the trace lost events."""
import os
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def phase_two():
    pass


def run_until(path):
    while not os.path.exists(path):
        for _ in range(20):
            fib(12)


print("ready", flush=True)
run_until(sys.argv[1])
phase_two()
print("phase two", flush=True)
run_until(sys.argv[2])
