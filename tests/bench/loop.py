"""N calls of a leaf function (argv[1], default 1,000,000), plus work():
the volume run for the memory measurement."""
import sys

from _harness import run

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def leaf(i):
    return i


def work():
    for i in range(N):
        leaf(i)


run(work, N + 1)
