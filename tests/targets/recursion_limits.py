"""How deep C-level recursion goes before RecursionError: the deepest nested
list whose repr succeeds, the deepest one pickle can dump, and the deepest
chain of objects whose Python __repr__ calls repr() on the next. vizbpf must
leave these where the untraced program has them."""
import pickle
import sys


def nested(depth):
    x = []
    for _ in range(depth):
        x = [x]
    return x


started = [0]


class Node:
    def __init__(self, child):
        self.child = child

    def __repr__(self):
        started[0] += 1
        return "N(" + repr(self.child) + ")"


def chain(depth):
    x = None
    for _ in range(depth):
        x = Node(x)
    return x


def deepest(build, use, hi):
    """Largest depth in [0, hi) for which use(build(depth)) does not raise RecursionError."""
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            use(build(mid))
            lo = mid
        except RecursionError:
            hi = mid
    return lo


def report():
    print("repr", deepest(nested, repr, 200000))
    print("pickle", deepest(nested, pickle.dumps, 200000))
    print("pyrepr", deepest(chain, repr, 20000))
    print("limit", sys.getrecursionlimit())
    return started[0]


if __name__ == "__main__":
    report()
