"""--tracer_entries: a deterministic mix of calls (nesting, recursion, varied names) whose last N
slices are compared with the sys.setprofile oracle's. ROUNDS from argv (default 3000)."""
import sys


def leaf(i):
    return i


def twice(i):
    return leaf(i) + leaf(i + 1)


def down(n):
    return leaf(n) if n <= 0 else down(n - 1) + 1


def pick(i):
    k = (i * 7919) % 5
    if k == 0:
        return twice(i)
    if k == 1:
        return down(i % 6)
    if k == 2:
        return leaf(i)
    return twice(down(k))


def main(rounds):
    total = 0
    for i in range(rounds):
        total += pick(i)
    print("total", total)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
