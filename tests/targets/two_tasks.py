"""Two asyncio tasks run concurrently, each awaiting several times and calling its own known
functions; the program prints its own counts (the oracle for --log_async)."""
import asyncio
import sys

ROUNDS = 4
counts = {"alpha_work": 0, "beta_work": 0, "alpha_steps": 0, "beta_steps": 0}


def alpha_work(i):
    counts["alpha_work"] += 1
    return i * 2


def beta_work(i):
    counts["beta_work"] += 1
    return i + 1


async def alpha_job():
    total = 0
    for i in range(ROUNDS):
        total += alpha_work(i)
        await asyncio.sleep(0.001)
    return total


async def beta_job():
    total = 0
    for i in range(ROUNDS):
        total += beta_work(i)
        total += beta_work(i)
        await asyncio.sleep(0.001)
    return total


async def main():
    if sys.version_info >= (3, 8):
        a = asyncio.get_running_loop().create_task(alpha_job(), name="alpha-task")
        b = asyncio.get_running_loop().create_task(beta_job(), name="beta-task")
    await asyncio.gather(a, b)


asyncio.run(main())
for k in ("alpha_work", "beta_work"):
    print(k, counts[k])
