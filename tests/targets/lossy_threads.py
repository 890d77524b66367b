"""50 threads calling at once, for a ring buffer too small to hold it all (--buffer_size 1).

Every function has one caller in the program, so a slice's parent in the trace can be checked
by name against the oracle's: leaf_* under mid_*, chain_* under the previous link.
"""
import sys
import threading

N_THREADS = 50
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 400


def leaf_a(x):
    return x + 1


def leaf_b(x):
    return x * 2


def mid_a(x):
    return leaf_a(x) + leaf_b(x)


def chain_5(x):
    return x - 1


def chain_4(x):
    return chain_5(x) + 1


def chain_3(x):
    return chain_4(x) + 1


def chain_2(x):
    return chain_3(x) + 1


def chain_1(x):
    return chain_2(x) + 1


def one_round(x):
    return mid_a(x) + chain_1(x)


def worker(barrier, results, i):
    barrier.wait()
    total = 0
    for r in range(ROUNDS):
        total += one_round(r)
    results[i] = total


def main():
    barrier = threading.Barrier(N_THREADS)
    results = [0] * N_THREADS
    threads = [threading.Thread(target=worker, args=(barrier, results, i))
               for i in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sum(results))


main()
