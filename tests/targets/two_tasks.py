"""Two asyncio tasks, named, run concurrently: each awaits ROUNDS times and calls its own
functions, interleaved with the other's. The program prints, as its own oracle for
--log_async, which task ran each function how many times (asyncio.current_task() at the call)
and how many steps each task's coroutine took (its awaits that suspended, plus one)."""
import asyncio
from collections import Counter

ROUNDS = 4
calls = Counter()
steps = Counter()


def alpha_work(i):
    calls[(asyncio.current_task().get_name(), "alpha_work")] += 1
    return i * 2


def beta_work(i):
    calls[(asyncio.current_task().get_name(), "beta_work")] += 1
    return i + 1


async def alpha_job():
    total = 0
    for i in range(ROUNDS):
        total += alpha_work(i)
        await asyncio.sleep(0.001)  # a timer future: suspends exactly once
        steps["alpha-task"] += 1
    return total


async def beta_job():
    total = 0
    for i in range(ROUNDS + 1):
        total += beta_work(i)
        total += beta_work(i)
        await asyncio.sleep(0.001)
        steps["beta-task"] += 1
    return total


async def main():
    loop = asyncio.get_running_loop()
    a = loop.create_task(alpha_job(), name="alpha-task")
    b = loop.create_task(beta_job(), name="beta-task")
    await asyncio.gather(a, b)


asyncio.run(main())
for (task, func), n in sorted(calls.items()):
    print(task, func, n)
for task, n in sorted(steps.items()):
    print(task, "steps", n + 1)
