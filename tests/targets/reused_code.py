"""Code objects that are freed and whose memory is reused: snippets compiled
with distinct file and function names in a loop (each snippet's code objects
and name strings are freed before the next one is compiled, so pymalloc
hands the next one the same addresses), then doctest examples, each compiled
as <doctest NAME[k]>. A trace must name every call by what ran, not by an
earlier code object that lived at the same address.

    python reused_code.py [GO_FILE | --fork]

With GO_FILE, prints "ready" and waits for it first (attach mode). With
--fork, a fork()ed child does the work (the parent waits for it).
"""
import os
import sys
import time

SNIPPETS = 300


# Holds "<module>" (an interned name) at one address for the whole run.
KEEP = compile("pass", "<kept>", "exec")


def snippets(n):
    """Returns how many snippets found their code object and file name where the previous
    one's were (what makes an identity by address go stale)."""
    reused, last = 0, (0, 0)
    # Only a module: its code object and its file name come back at the same addresses (the
    # source is longer, in another allocation size class, so it does not take the file name's).
    for i in range(n):
        src = "x = %d  # a source longer than the file name, by more than 16 bytes\n" % i
        code = compile(src, "<snippet %d>" % i, "exec")
        where = (id(code), id(code.co_filename))
        reused += where == last
        last = where
        exec(code, {})
        del code
    # Functions named after their snippet.
    for i in range(n):
        src = "def f_%d():\n    return %d\nf_%d()\n" % (i, i, i)
        exec(compile(src, "<function snippet %d>" % i, "exec"), {})
    return reused


def documented():
    """Examples doctest compiles one by one (freed after each):

    >>> def ex_a(): return 1
    >>> ex_a()
    1
    >>> def ex_bb(): return 2
    >>> ex_bb()
    2
    >>> def ex_ccc(): return 3
    >>> ex_ccc()
    3
    >>> def ex_dddd(): return 4
    >>> ex_dddd()
    4
    >>> [x * x for x in range(3)]
    [0, 1, 4]
    >>> sum(range(10))
    45
    >>> def ex_e(): return 'e'
    >>> ex_e()
    'e'
    >>> len('twelve chars')
    12
    >>> def ex_ff(): return 6
    >>> ex_ff()
    6
    >>> 'a' + 'b'
    'ab'
    >>> def ex_ggg(): return 7
    >>> ex_ggg()
    7
    >>> max(3, 9)
    9
    """


def run_doctest():
    import doctest  # here: its import changes how the snippets' memory is reused
    runner = doctest.DocTestRunner(verbose=False)
    for test in doctest.DocTestFinder(recurse=False).find(documented, "documented", globs={}):
        runner.run(test, out=sys.stdout.write)
    return runner.summarize(verbose=False)


def work():
    reused = snippets(SNIPPETS)
    print("snippets", SNIPPETS)
    # Not on stdout: it may differ between runs.
    print("snippets at the previous one's addresses:", reused, file=sys.stderr)
    print("doctest", tuple(run_doctest()), flush=True)


def main():
    if sys.argv[1:] == ["--fork"]:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            work()
            sys.stderr.flush()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
                 else status >> 8)
    if len(sys.argv) > 1:
        print("ready", flush=True)
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.01)
    work()


main()
