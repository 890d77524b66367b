"""A program to attach to: it prints "ready", waits for the file argv[1],
runs the mixed program's main() (classes, generators, coroutines,
exceptions, recursion, threads), prints "worked", then waits for
argv[1] + ".end" and exits."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mixed  # noqa: E402


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.01)


def run():
    print("ready", flush=True)
    wait_for(sys.argv[1])
    mixed.main()
    print("worked", flush=True)
    wait_for(sys.argv[1] + ".end")


run()
