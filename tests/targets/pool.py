"""multiprocessing with the start method given in argv[1] (a Pool, or with argv[2] ==
"executor" a concurrent.futures.ProcessPoolExecutor): every worker's square() calls
belong in the one trace."""
import concurrent.futures
import multiprocessing as mp
import sys


def square(x):
    return x * x


def main():
    ctx = mp.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork")
    if len(sys.argv) > 2 and sys.argv[2] == "executor":
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
            print(sum(ex.map(square, range(20))))
        return
    with ctx.Pool(2) as pool:
        print(sum(pool.map(square, range(20))))


if __name__ == "__main__":
    main()
