"""--kernel in the attach modes (-p, --all): prints "ready", waits (polling) for the file
argv[1], then outer() calls inner(), which opens the file argv[1] + ".probe" and makes
N getppid calls; then a thread blocks on a Lock another thread holds; prints the threads' ids
and "worked N", waits for argv[1] + ".end" and exits. The checker wants those system calls,
made after vizbpf attached, nested inside inner() inside outer(), and the waiter's lock wait
woken by the holder."""
import os
import sys
import threading
import time

N = 200


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.01)


def inner(path):
    with open(path, "rb") as f:
        f.read()
    for _ in range(N):
        os.getppid()


def outer(path):
    inner(path)


def holder(lock, held):
    with lock:
        held.set()
        time.sleep(0.05)


def waiter(lock):
    with lock:
        pass


def lock_pair():
    lock = threading.Lock()
    held = threading.Event()
    h = threading.Thread(target=holder, args=(lock, held))
    h.start()
    held.wait()
    w = threading.Thread(target=waiter, args=(lock,))
    w.start()
    w.join()
    h.join()
    print("holder", h.native_id)
    print("waiter", w.native_id)


def main():
    go = sys.argv[1]
    print("ready", flush=True)
    wait_for(go)
    outer(go + ".probe")
    lock_pair()
    print("worked", N, flush=True)
    wait_for(go + ".end")


main()
