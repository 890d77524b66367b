"""Recursion to DEPTH (default 950) under the default recursion limit: it
must complete traced exactly as it does untraced."""
import sys


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


print("depth", down(int(sys.argv[1]) if len(sys.argv) > 1 else 950),
      "limit", sys.getrecursionlimit())
