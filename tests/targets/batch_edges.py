"""Ways a program ends or changes while the preloaded evaluator holds calls in
its per-thread buffers (tests/cli/78-batch.bats). Each makes a known number of
leaf() calls per process, prints "pid N leaf=COUNT" for each, then ends as
told:

    python batch_edges.py exit | kill | segv | exec | thread | fork
    python batch_edges.py tree N     # 3 children and a grandchild, N calls each
    python batch_edges.py forks N    # N children one after the other, 1 call each
    python batch_edges.py attached GO HOW   # prints "ready", waits for the file GO
                                            # (vizbpf attaches), then does HOW
    python batch_edges.py attached GO detach  # 100 calls, then waits for GO.end
"""
import os
import signal
import sys
import threading
import time


def leaf(i):
    return i


def calls(n):
    for i in range(n):
        leaf(i)


# "pid N leaf=COUNT", in one write: print() writes the text and its newline apart (3.13), and
# sibling processes printing at once interleave them. No Python call (os.write and % are C):
# a call of a function new to the process would hand the thread's buffer over first, and what
# is tested is what happens to calls still buffered.
LINE = b"pid %d leaf=%d\n"


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
                    os.write(1, LINE % (os.getpid(), n))
                    os._exit(0)
                os.waitpid(grandchild, 0)
            calls(n)
            os.write(1, LINE % (os.getpid(), n))
            os._exit(0)
        kids.append(child)
    for child in kids:
        os.waitpid(child, 0)
    calls(n)
    os.write(1, LINE % (me, n))


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
            os.write(1, LINE % (os.getpid(), 200))
            os._exit(0)
        os.waitpid(child, 0)
        calls(100)
        os.write(1, LINE % (me, 400))
        return
    if how == "detach":
        # Inside main() (a call the evaluator saw) with what calls(100) noted still in this
        # thread's buffer, until vizbpf has detached: os.access() is no Python call.
        calls(100)
        os.write(1, LINE % (me, 100))
        while not os.access(sys.argv[2] + ".end", os.F_OK):
            time.sleep(0.01)
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
        os.write(1, LINE % (me, 510))
        os._exit(0)
    calls(1000)
    os.write(1, LINE % (me, 1000))
    if how == "exit":
        os._exit(3)
    if how == "kill":
        os.kill(me, signal.SIGKILL)
    if how == "segv":
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(me, signal.SIGSEGV)
    if how == "exec":
        os.execv(sys.executable, [sys.executable, "-c", "pass"])


if sys.argv[1] == "attached":
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
    main(sys.argv[3])
else:
    main(sys.argv[1])
