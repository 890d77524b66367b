"""Two named asyncio tasks that run until killed (for --log_async in attach mode): pinger calls
ping_work once a step, ponger pong_work twice; prints "ready" once both run."""
import asyncio


def ping_work():
    return 1


def pong_work():
    return 2


async def ping():
    while True:
        ping_work()
        await asyncio.sleep(0.002)


async def pong():
    while True:
        pong_work()
        pong_work()
        await asyncio.sleep(0.002)


async def main():
    loop = asyncio.get_running_loop()
    a = loop.create_task(ping(), name="pinger")
    b = loop.create_task(pong(), name="ponger")
    await asyncio.sleep(0.01)
    print("ready", flush=True)
    await asyncio.gather(a, b)


asyncio.run(main())
