"""Waits until the file argv[2] exists (vizbpf attaches meanwhile), then runs a
multiprocessing pool with start method argv[1]: every worker's square() calls
belong in the attached trace."""
import multiprocessing as mp
import os
import sys
import time


def square(x):
    return x * x


def main():
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
    with mp.get_context(sys.argv[1]).Pool(2) as pool:
        print(sum(pool.map(square, range(20))), flush=True)


if __name__ == "__main__":
    main()
