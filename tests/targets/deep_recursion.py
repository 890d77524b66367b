"""Recursion far beyond the default limit: the limit raised to 200000, a
recursion to DEPTH (default 50000). On 3.11+ Python-to-Python calls take no
C stack untraced, so this completes there; traced, it must complete too."""
import sys


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


sys.setrecursionlimit(200000)
print("depth", down(int(sys.argv[1]) if len(sys.argv) > 1 else 50000))
