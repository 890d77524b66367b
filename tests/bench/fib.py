"""fib(25), recursive: 242,785 calls of fib, plus work() itself."""
from _harness import run


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work():
    fib(25)


# fib(n) makes 2*F(n+1) - 1 calls; F(26) = 121393.
run(work, 2 * 121393 - 1 + 1)
