"""A mixed workload: methods, a property, generators, a closure, a list
comprehension, a generator expression and lambdas called from C, 20,000 times."""
import sys

from _harness import run


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    @property
    def norm2(self):
        return self.dot(self)


def countdown(n):
    while n:
        yield n
        n -= 1


def make_scale(k):
    def scale(x):
        return x * k
    return scale


def square(x):
    return x * x


def step(i, v, w, scale):                     # 1 call
    a = v.dot(w)                              # 1
    b = v.norm2                               # 2: norm2, dot
    c = sum(countdown(3))                     # 4: 3 yields + the final resume
    d = scale(i)                              # 1
    e = [square(x) for x in range(3)]         # 3, +1 for the comprehension before 3.12
    f = sum(x for x in range(3))              # 4: 3 yields + the final resume
    g = make_scale(2)(i)                      # 2
    h = max(range(3), key=lambda x: -x)       # 3 lambda calls from C
    return a + b + c + d + len(e) + f + g + h


ITERATIONS = 20_000
PER_STEP = 21 + (1 if sys.version_info < (3, 12) else 0)  # PEP 709 inlines comprehensions


def work():
    v, w = Vec(1, 2), Vec(3, 4)
    scale = make_scale(3)                     # 1
    total = 0
    for i in range(ITERATIONS):
        total += step(i, v, w, scale)
    return total


# work() + Vec.__init__ twice + make_scale once + the steps
run(work, 1 + 2 + 1 + ITERATIONS * PER_STEP)
