import time; T0 = time.perf_counter()  # noqa: E702 -- the first statement: the program's own clock starts
"""Measures itself: prints how long its module took, from its first statement to the end of
main(), by time.perf_counter(). A trace's slices of this program must not be longer than
this (vizbpf's holds of the process are not the program's time)."""


def leaf(i):
    return i * i


def work(n):
    return sum(leaf(i) for i in range(n))


def main():
    total = 0
    for _ in range(5):
        total += work(1000)
    return total


main()
print("%.3f" % ((time.perf_counter() - T0) * 1000))
