"""Runs until the file argv[1] exists: the main thread and two more call
functions (recursion, a generator, a class, exceptions caught) and check every
result, then say whether every round was right and every thread ran. vizbpf
attaches and detaches meanwhile, again and again: the output must not change."""
import os
import sys
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def squares(n):
    for i in range(n):
        yield i * i


class Box:
    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def raiser(i):
    if i % 3 == 0:
        raise ValueError(i)
    return i


def one_round():
    caught = 0
    for i in range(9):
        try:
            raiser(i)
        except ValueError:
            caught += 1
    return fib(12) == 144 and sum(squares(50)) == 40425 and Box(7).get() == 7 and caught == 3


wrong = 0
rounds = [0, 0, 0]


def worker(k):
    global wrong
    while not os.path.exists(sys.argv[1]):
        if not one_round():
            wrong += 1
        rounds[k] += 1


print("ready", flush=True)
threads = [threading.Thread(target=worker, args=(k,)) for k in (1, 2)]
for t in threads:
    t.start()
worker(0)
for t in threads:
    t.join()
print("every round right" if wrong == 0 else f"{wrong} rounds wrong", flush=True)
print("every thread ran" if all(rounds) else f"rounds per thread: {rounds}", flush=True)
