"""Calls CPython's specializing interpreter (3.11+) may run inline, in a hot loop,
warmed up before the part that is compared:

    specialized.py            warm up, run phase(), exit (launch mode)
    specialized.py GO         print "ready", warm up until the file GO exists (attach
                              there), run phase(), print "worked", wait for GO.end
                              (detach there), then write the specialized instructions
                              of work(), delegate() and chain() once they have run a while
                              again to GO.ops

Each kind of call has its own site in work(), so a site specialized while warming up
is the one phase() runs: __init__ of a class created (CALL_ALLOC_AND_ENTER_INIT),
obj[i] with a Python __getitem__ (BINARY_SUBSCR_GETITEM), a property
(LOAD_ATTR_PROPERTY), a __getattribute__ override (LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN),
a generator in a for loop (FOR_ITER_GEN), yield from and await (SEND_GEN), and plain
Python calls (CALL_PY_EXACT_ARGS, CALL_PY_WITH_DEFAULTS / CALL_PY_GENERAL,
CALL_BOUND_METHOD_EXACT_ARGS / _GENERAL, and the generic CALL_FUNCTION_EX and
CALL_KW, which inline Python calls too). No function object is created after
warming up.
"""
import os
import sys
import time


class Point:
    def __init__(self, x):
        self.x = x


class Seq:
    def __getitem__(self, i):
        return i

    def method(self, i):
        return i

    def method_defaults(self, i, j=1):
        return i + j


class Prop:
    @property
    def value(self):
        return 1


class Attr:
    def __getattribute__(self, name):
        return 2


def gen(n):
    for i in range(n):
        yield i


def delegate(n):
    yield from gen(n)


async def leaf():
    return 1


async def chain():
    return await leaf()


def drive(coro):
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value


def plain(i):
    return i


def defaults(i, j=1):
    return i + j


def work(n):
    s, p, a = Seq(), Prop(), Attr()
    bound, bound_defaults, args = s.method, s.method_defaults, (1, 2)
    total = 0
    for i in range(n):
        Point(i)
        total += s[i] + p.value + a.anything
        for x in gen(2):
            total += x
        for x in delegate(2):
            total += x
        total += drive(chain())
        total += plain(i) + defaults(i) + s.method(i) + bound(i) + bound_defaults(i)
        total += defaults(*args) + defaults(i, j=2)
    return total


def phase():
    return work(20)


def main(go=None):
    if go is None:
        for _ in range(20):
            work(100)
    else:
        print("ready", flush=True)
        while not os.path.exists(go):
            work(100)
            time.sleep(0.001)
    print("phase", phase(), flush=True)


def specialized_after(path):
    """Runs the loop long enough for any site to specialize again (past the longest
    back-off, 4096 tries) and writes what work() holds then (3.11+) to path."""
    import dis

    for _ in range(5):
        work(2000)
    if sys.version_info >= (3, 11):
        ops = {"%s %s" % (f.__name__, i.opname)
               for f in (work, delegate, chain)
               for i in dis.get_instructions(f, adaptive=True)}
        with open(path, "w") as f:
            f.write("\n".join(sorted(ops)) + "\n")


if __name__ == "__main__":
    go = sys.argv[1] if len(sys.argv) > 1 else None
    main(go)
    if go is not None:
        print("worked", flush=True)
        while not os.path.exists(go + ".end"):
            time.sleep(0.01)
        specialized_after(go + ".ops")
