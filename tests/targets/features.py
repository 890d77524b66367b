"""Python features a tracer must follow, each at least once, deterministic:
dunder calls, descriptors, partial, super(), class bodies, comprehensions,
__del__, __init_subclass__, metaclasses, context managers, generators driven
by send/throw/close, yield from chains, async generators, async with/for,
await chains, exceptions through each, lambdas, wrapped decorators, recursion.

    python features.py             # run every section once, print the results
    python features.py --known     # only known_section() (see below)

main_sections() holds what vizbpf must trace exactly on every interpreter and
mode. known_section() holds constructs that CPython specializes into inlined
calls (a hot `Class(...)` entering a Python __init__, a hot subscript entering
a Python __getitem__): kept apart because some interpreter/mode pairs miss
them, a fault tracked and fixed on its own. Neither section defines a Python
__init__ or __getitem__ outside known_section(), so the two stay separable.
"""
import asyncio
import contextlib
import functools
import sys


# --- dunder calls and descriptors -------------------------------------------

class Adder:
    def __call__(self, a, b):
        return a + b


class Clamp:
    """A data descriptor: __get__ and __set__ are Python calls."""

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return getattr(obj, self.slot, 0)

    def __set__(self, obj, value):
        setattr(obj, self.slot, max(0, min(100, value)))


class Gauge:
    level = Clamp()

    @property
    def doubled(self):
        return self.level * 2

    @doubled.setter
    def doubled(self, value):
        self.level = value // 2

    @classmethod
    def full(cls):
        g = cls()
        g.level = 1000
        return g

    @staticmethod
    def describe(value):
        return "gauge(%d)" % value


def descriptors():
    g = Gauge.full()
    g.doubled = 40
    return [g.level, g.doubled, Gauge.describe(g.level), Adder()(2, 3)]


# --- partial, wraps, lambdas --------------------------------------------------

def traced_by_name(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@traced_by_name
def scaled(x, factor):
    return x * factor


def partials_and_lambdas():
    triple = functools.partial(scaled, factor=3)
    square = lambda v: v * v  # noqa: E731
    return [triple(4), square(5), sorted([3, 1, 2], key=lambda v: -v), list(map(triple, [1, 2]))]


# --- classes: super(), class bodies, __init_subclass__, metaclasses, __del__ ---

class Registry(type):
    made = []

    def __new__(mcs, name, bases, namespace):
        cls = super().__new__(mcs, name, bases, namespace)
        mcs.made.append(name)
        return cls

    def __call__(cls, *args):
        instance = super().__call__(*args)
        instance.via_meta = True
        return instance


class Base:
    kinds = []

    def __init_subclass__(cls, kind="plain", **kwargs):
        super().__init_subclass__(**kwargs)
        Base.kinds.append(kind)

    def speak(self):
        return "base"


class Child(Base, kind="child"):
    def speak(self):
        return "child<" + super().speak() + ">"


class Grandchild(Child, kind="grand"):
    def speak(self):
        return "grand<" + super().speak() + ">"


class Resource:
    closed = []

    def __del__(self):
        Resource.closed.append(id(self) != 0)


def class_bodies():
    class Local(metaclass=Registry):
        x = 1

        def value(self):
            return self.x

    class Local2(Local):
        y = [i * 2 for i in range(3)]

    obj = Local2()
    res = Resource()
    del res  # __del__ runs here: the last reference goes
    return [obj.value(), obj.via_meta, Grandchild().speak(), Base.kinds[-2:],
            Registry.made[-2:], len(Resource.closed) > 0]


def leaves_finalizers():
    keep = Resource()
    gen = leaf(2)
    next(gen)
    return keep is not None


def finalizers():
    """__del__ and a generator close run as a returning frame's locals go: calls of its caller."""
    return [leaves_finalizers(), leaves_finalizers()]


# --- comprehensions ------------------------------------------------------------

def comprehensions():
    lst = [i * i for i in range(4)]
    dct = {i: str(i) for i in range(3)}
    st = {i % 2 for i in range(5)}
    gen = sum(i for i in range(5) if i % 2)
    nested = [[j for j in range(i)] for i in range(3)]
    return [lst, dct, sorted(st), gen, nested]


# --- context managers ------------------------------------------------------------

@contextlib.contextmanager
def opened(log, name):
    log.append("open " + name)
    try:
        yield name.upper()
    except KeyError as e:
        log.append("handled %s" % e)
    finally:
        log.append("close " + name)


class Guard:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is ZeroDivisionError  # swallow only that


def context_managers():
    log = []
    with opened(log, "a") as a:
        log.append(a)
    with opened(log, "b"):
        raise KeyError("k")
    with Guard():
        1 / 0
    try:
        with Guard(), opened(log, "c"):
            raise ValueError("v")
    except ValueError:
        log.append("escaped")
    return log


# --- generators: send, throw, close, yield from, chains --------------------------

def accumulator():
    total = 0
    while True:
        try:
            value = yield total
        except ValueError:
            total = -1
            continue
        except GeneratorExit:
            raise
        if value is None:
            return total
        total += value


def leaf(n):
    try:
        for i in range(n):
            yield i
    finally:
        pass


def middle(n):
    got = yield from leaf(n)
    yield from leaf(1)
    return got


def top(n):
    result = yield from middle(n)
    return result


def numbers(n):
    for i in range(n):
        yield i


def doubled(source):
    for x in source:
        yield x * 2


def consume_half(gen):
    return [next(gen), next(gen)]


def generators():
    acc = accumulator()
    next(acc)
    acc.send(5)
    acc.send(7)
    thrown = acc.throw(ValueError)
    acc.send(3)
    try:
        acc.send(None)
    except StopIteration as stop:
        finished = stop.value
    closer = accumulator()
    next(closer)
    closer.close()
    chain = list(top(3))
    thrower = top(4)
    next(thrower)
    try:
        thrower.throw(KeyError("into the chain"))
    except KeyError:
        pass
    # A chain resumed through each other: numbers() is started here, then
    # resumed from doubled()'s frame, then from consume_half().
    src = numbers(6)
    first = next(src)
    pipe = doubled(src)
    half = consume_half(pipe)
    rest = list(pipe)
    # Closed at deallocation (its finally runs) right after next(). Never bound
    # to a name: on 3.8-3.10 a Python profile function copies a frame's locals
    # into f_locals, which keeps a `del`eted generator alive until the next
    # profile event, inside the hook, where CPython reports no events.
    next(leaf(5))
    return [thrown, finished, chain, first, half, rest]


# --- exceptions -----------------------------------------------------------------

def raiser(kind):
    raise kind("from raiser")


def reraiser():
    try:
        raiser(KeyError)
    except KeyError:
        raise


def translator():
    try:
        reraiser()
    except KeyError as e:
        raise RuntimeError("translated") from e
    finally:
        cleanup()


def cleanup():
    return None


def unwinds(depth):
    if depth == 0:
        raiser(IndexError)
    try:
        unwinds(depth - 1)
    finally:
        cleanup()


def exceptions():
    out = []
    try:
        translator()
    except RuntimeError as e:
        out.append(type(e.__cause__).__name__)
    try:
        unwinds(80)  # deeper than 64: returns by exception past the uretprobe limit
    except IndexError:
        out.append("unwound")
    return out


# --- recursion -----------------------------------------------------------------

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def descend(n):
    return 0 if n == 0 else 1 + descend(n - 1)


def recursion():
    return [fib(10), descend(150)]


# --- async ---------------------------------------------------------------------

async def leaf_op(i):
    await asyncio.sleep(0)
    if i == 2:
        raise LookupError(i)
    return i


async def mid_op(i):
    try:
        return await leaf_op(i)
    except LookupError:
        return -1


async def top_op(i):
    return await mid_op(i) + 100


async def ticker(n):
    try:
        for i in range(n):
            await asyncio.sleep(0)
            yield i
    finally:
        await asyncio.sleep(0)


class Session:
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, kind, value, tb):
        return kind is KeyError


@contextlib.asynccontextmanager
async def session_scope(log):
    log.append("enter")
    yield log
    log.append("exit")


async def async_main():
    log = []
    async for t in ticker(3):
        log.append(t)
    async with Session():
        raise KeyError("swallowed")
    async with session_scope(log):
        log.append(await top_op(1))
    log.append(await top_op(2))
    squares = [v async for v in ticker(2)]
    return log + squares


class ManualAwaitable:
    def __await__(self):
        value = yield "paused"
        return value


async def awaits_manual():
    return await ManualAwaitable()


def drive_by_hand():
    """A coroutine stepped with send(), as an event loop would."""
    coro = awaits_manual()
    assert coro.send(None) == "paused"
    try:
        coro.send(42)
    except StopIteration as stop:
        return stop.value


def asynchronous():
    return [asyncio.run(async_main()), drive_by_hand()]


# --- sections ---------------------------------------------------------------------

def main_sections():
    return [descriptors(), partials_and_lambdas(), class_bodies(), finalizers(), comprehensions(),
            context_managers(), generators(), exceptions(), recursion(), asynchronous()]


class Point:
    def __init__(self, x):
        self.x = x


class Table:
    def __getitem__(self, key):
        return key * 2


def hot_init(n):
    return sum(Point(i).x for i in range(n))


def hot_getitem(n):
    t = Table()
    return sum(t[i] for i in range(n))


def known_section():
    """Hot call sites that CPython 3.11+ specializes into inlined calls."""
    return [hot_init(100), hot_getitem(100)]


def attached_main():
    """The phase an attach test traces (after a warm-up of main_sections())."""
    return main_sections()


def attached_known():
    """The phase an attach test traces (after a warm-up of known_section())."""
    return known_section()


def main():
    if "--known" in sys.argv:
        print(known_section())
        return
    for section in main_sections():
        print(section)
    print(known_section())


if __name__ == "__main__":
    main()
