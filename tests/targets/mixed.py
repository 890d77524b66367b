"""A deterministic program mixing what a tracer must follow: classes,
properties, generators, coroutines, exceptions, closures, lambdas, C
callbacks, recursion deeper than the kernel's 64 pending uretprobes, and
threads. Its call tree is the same on every run."""
import asyncio
import threading


class Shape:
    def __init__(self, side):
        self._side = side

    @property
    def area(self):
        return self._side * self._side

    def __repr__(self):
        return "Shape(%d)" % self._side

    @staticmethod
    def unit():
        return Shape(1)

    @classmethod
    def of(cls, side):
        return cls(side)


def squares(n):
    for i in range(n):
        yield i * i


def gen_pipeline():
    evens = (x for x in squares(6) if x % 2 == 0)
    return sum(evens)


def make_counter():
    count = 0

    def bump():
        nonlocal count
        count += 1
        return count
    return bump


def fails(depth):
    if depth == 0:
        raise ValueError("bottom")
    return fails(depth - 1)


def catches():
    try:
        fails(3)
    except ValueError:
        return "caught"


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def key_of(shape):
    return -shape.area


def c_callbacks():
    shapes = [Shape.of(s) for s in (3, 1, 2)]
    ordered = sorted(shapes, key=key_of)
    doubled = list(map(lambda s: s.area * 2, ordered))
    return doubled


async def fetch(i):
    await asyncio.sleep(0)
    return i * 10


async def gather_all():
    total = 0
    for i in range(3):
        total += await fetch(i)
    return total


def worker(n, out):
    out.append(sum(deep(k) for k in range(n)))


def threads():
    out = []
    ts = [threading.Thread(target=worker, args=(5 + i, out)) for i in range(2)]
    for t in ts:
        t.start()
        t.join()  # one at a time: a deterministic order
    return out


def main():
    bump = make_counter()
    results = [
        Shape.unit().area,
        repr(Shape(4)),
        gen_pipeline(),
        bump(), bump(),
        catches(),
        deep(200),
        c_callbacks(),
        asyncio.run(gather_all()),
        threads(),
    ]
    print(results)


if __name__ == "__main__":
    main()
