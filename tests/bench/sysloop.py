"""--kernel bench workloads (kbench.py). Prints `calls=N seconds=S` for the timed section.

    sysloop.py syscalls N   N calls of a function making one system call (os.getppid)
    sysloop.py raw N        N system calls in a bare loop (the untraced neighbour)
    sysloop.py calls N      N calls of a function making no system call
    sysloop.py pingpong N   two threads wake each other N times through pipes
    sysloop.py wait         sleeps until killed (a traced process for vizbpf to hold on to)
"""
import os
import sys
import threading
import time


def step():
    return os.getppid()


def syscalls(n):
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return n, time.perf_counter() - t0


def nothing():
    return 1


def calls(n):
    t0 = time.perf_counter()
    for _ in range(n):
        nothing()
    return n, time.perf_counter() - t0


def raw(n):
    g = os.getppid
    t0 = time.perf_counter()
    for _ in range(n):
        g()
    return n, time.perf_counter() - t0


def pingpong(n):
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()

    def echo():
        for _ in range(n):
            os.read(a_r, 1)
            os.write(b_w, b"x")

    t = threading.Thread(target=echo)
    t.start()
    t0 = time.perf_counter()
    for _ in range(n):
        os.write(a_w, b"x")
        os.read(b_r, 1)
    dt = time.perf_counter() - t0
    t.join()
    return n, dt


def main():
    what = sys.argv[1]
    if what == "wait":
        print("ready", os.getpid(), flush=True)
        while True:
            time.sleep(1)
    n, dt = {"syscalls": syscalls, "raw": raw, "calls": calls,
                "pingpong": pingpong}[what](int(sys.argv[2]))
    print("calls=%d seconds=%.6f" % (n, dt))


main()
