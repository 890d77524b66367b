"""--kernel in the attach modes (-p, --all): prints "ready", waits (polling) for the file
argv[1], then outer() calls inner(), which opens the file argv[1] + ".probe" and makes
N getppid calls; prints "worked N", waits for argv[1] + ".end" and exits. The checker wants
those system calls, made after vizbpf attached, nested inside inner() inside outer()."""
import os
import sys
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


def main():
    go = sys.argv[1]
    print("ready", flush=True)
    wait_for(go)
    outer(go + ".probe")
    print("worked", N, flush=True)
    wait_for(go + ".end")


main()
