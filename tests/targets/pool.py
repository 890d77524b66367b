"""multiprocessing with the start method given in argv[1]: every worker's
square() calls belong in the one trace."""
import multiprocessing as mp
import sys


def square(x):
    return x * x


def main():
    ctx = mp.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork")
    with ctx.Pool(2) as pool:
        print(sum(pool.map(square, range(20))))


if __name__ == "__main__":
    main()
