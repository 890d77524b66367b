"""Process-tree following (make bench, issue #14): N fork()s (argv[1], default 300), each
child making one Python call and leaving with os._exit(); or with argv[1] == "pool", a
multiprocessing fork pool of 2 workers mapping 200 tasks of 2 ms. Prints
`seconds=S processes=P` (the timed section, the processes it ran)."""
import multiprocessing
import os
import sys
import time


def child_work(i):
    return i * i


def forks(n):
    for i in range(n):
        pid = os.fork()
        if pid == 0:
            child_work(i)
            os._exit(0)
        os.waitpid(pid, 0)
    return n + 1


def pool_task(i):
    time.sleep(0.002)  # long enough for both workers to get tasks
    return child_work(i)


def pool():
    with multiprocessing.get_context("fork").Pool(2) as p:
        assert sum(p.map(pool_task, range(200), chunksize=1)) == sum(i * i for i in range(200))
    return 3


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "300"
    t0 = time.perf_counter()
    procs = pool() if what == "pool" else forks(int(what))
    print("seconds=%f processes=%d" % (time.perf_counter() - t0, procs))


if __name__ == "__main__":
    main()
