"""Ways a program ends or changes while the preloaded evaluator holds calls in
its per-thread buffers (tests/cli/78-batch.bats). Each makes a known number of
leaf() calls per process, prints "pid N leaf=COUNT" for each, then ends as
told:

    python batch_edges.py exit | kill | segv | exec | thread | fork
    python batch_edges.py tree N     # 3 children and a grandchild, N calls each
    python batch_edges.py forks N    # N children one after the other, 1 call each
"""
import os
import signal
import sys
import threading


def leaf(i):
    return i


def calls(n):
    for i in range(n):
        leaf(i)


def say(pid, n):
    # One write per line: print() writes the text and its newline apart (3.13), and sibling
    # processes printing at once interleave them.
    os.write(1, b"pid %d leaf=%d\n" % (pid, n))


def tree(n):
    me = os.getpid()
    kids = []
    for k in range(3):
        child = os.fork()
        if child == 0:
            if k == 1:
                grandchild = os.fork()
                if grandchild == 0:
                    calls(n)
                    say(os.getpid(), n)
                    os._exit(0)
                os.waitpid(grandchild, 0)
            calls(n)
            say(os.getpid(), n)
            os._exit(0)
        kids.append(child)
    for child in kids:
        os.waitpid(child, 0)
    calls(n)
    say(me, n)


def forks(n):
    for _ in range(n):
        child = os.fork()
        if child == 0:
            leaf(0)
            os._exit(0)
        os.waitpid(child, 0)
    print("forks %d" % n, flush=True)


def main(how):
    me = os.getpid()
    if how == "tree":
        tree(int(sys.argv[2]))
        return
    if how == "forks":
        forks(int(sys.argv[2]))
        return
    if how == "fork":
        calls(300)
        child = os.fork()
        if child == 0:
            calls(200)
            say(os.getpid(), 200)
            os._exit(0)
        os.waitpid(child, 0)
        calls(100)
        say(me, 400)
        return
    if how == "thread":
        ready, done = threading.Event(), threading.Event()

        def worker():
            calls(500)
            ready.set()
            done.wait()  # still inside worker() when the process ends

        threading.Thread(target=worker, daemon=True).start()
        ready.wait()
        calls(10)
        say(me, 510)
        os._exit(0)
    calls(1000)
    say(me, 1000)
    if how == "exit":
        os._exit(3)
    if how == "kill":
        os.kill(me, signal.SIGKILL)
    if how == "segv":
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(me, signal.SIGSEGV)
    if how == "exec":
        os.execv(sys.executable, [sys.executable, "-c", "pass"])


main(sys.argv[1])
