"""Recursion at the default limit (or argv[1]) until RecursionError, caught, three times.
The call the recursion check refuses never starts: sys.setprofile reports
no call for it, and the trace must hold none either. The program counts the
down() calls that started (sys.setprofile itself cannot be the oracle here:
its Python callback hits the limit first and is switched off)."""
import sys

started = [0]


def down(n):
    started[0] += 1
    return down(n + 1)


def attempt():
    try:
        down(0)
    except RecursionError:
        return "RecursionError"


def report():
    for _ in range(3):
        print(attempt())
    print("down() calls started", started[0])
    print("limit", sys.getrecursionlimit())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.setrecursionlimit(int(sys.argv[1]))
    report()
