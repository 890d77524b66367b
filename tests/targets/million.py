"""Exactly 1,000,000 calls of leaf() (plus main and loop): a volume check."""


def leaf(i):
    return i


def loop(n):
    total = 0
    for i in range(n):
        total += leaf(i)
    return total


def main():
    print(loop(1_000_000))


main()
