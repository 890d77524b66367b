"""A thread dlopen()s a library whose constructor sleeps (argv[2], built from
tests/fixtures/slow_ctor.c): it holds the dynamic loader's lock meanwhile.
The main thread calls functions until the file argv[1] exists, then says
how many rounds it did and that the library loaded."""
import ctypes
import os
import sys
import threading
import time


def leaf(i):
    return i


loaded = threading.Event()


def load():
    ctypes.CDLL(sys.argv[2])
    loaded.set()


threading.Thread(target=load).start()
time.sleep(0.2)  # inside the constructor by now
print("ready", flush=True)
rounds = 0
while not os.path.exists(sys.argv[1]):
    for i in range(100):
        leaf(i)
    rounds += 1
loaded.wait()
print("library loaded" if loaded.is_set() else "library not loaded", flush=True)
print("rounds ran" if rounds else "no round ran", flush=True)
