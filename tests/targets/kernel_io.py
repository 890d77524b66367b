"""--kernel's end-to-end target: a file read, a sleep, a thread blocked on a Lock another thread
holds, CPU-bound threads outside the GIL (more than there are CPUs), 64 MiB made resident. Prints what the checker
needs to know (tests/tools/kcheck.py): the file's size, the threads' ids."""
import hashlib
import os
import resource
import sys
import threading
import time


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def nap():
    time.sleep(0.05)


def blocked_in_futex(tid):
    try:
        with open("/proc/self/task/%d/syscall" % tid) as f:
            return f.read().split()[0] == "202"  # futex, x86-64
    except (OSError, IndexError):
        return False


def holder(lock, held, waiter_tid):
    with lock:
        held.set()
        time.sleep(0.1)
        # A loaded machine may start the waiter late: it must be waiting when the lock goes.
        deadline = time.time() + 10
        while time.time() < deadline and not (waiter_tid and blocked_in_futex(waiter_tid[0])):
            time.sleep(0.01)


def waiter(lock, waiter_tid):
    print("waiter", threading.get_native_id())
    waiter_tid.append(threading.get_native_id())
    with lock:
        pass


def lock_pair():
    lock = threading.Lock()
    held = threading.Event()
    waiter_tid = []
    h = threading.Thread(target=holder, args=(lock, held, waiter_tid))
    h.start()
    held.wait()
    print("holder", h.native_id)
    w = threading.Thread(target=waiter, args=(lock, waiter_tid))
    w.start()
    w.join()
    h.join()


def hash_loop(data, n):
    # sha256 of a large buffer releases the GIL: these threads really run in parallel.
    for _ in range(n):
        hashlib.sha256(data).digest()


def crowd():
    data = b"x" * (1 << 20)
    threads = [threading.Thread(target=hash_loop, args=(data, 60))
               for _ in range(2 * (os.cpu_count() or 1) + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def grow():
    # 64 MiB written (not calloc'ed zero pages): resident, faulted in.
    buf = b"\x01" * (64 << 20)
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    print("rss", rss)
    print("minflt", resource.getrusage(resource.RUSAGE_SELF).ru_minflt)
    # Off CPU with the memory still held: the counters are sampled here.
    time.sleep(0.02)
    return len(buf)


def main():
    grow()
    data = read_file(sys.argv[1])
    print("size", len(data))
    nap()
    lock_pair()
    crowd()


main()
