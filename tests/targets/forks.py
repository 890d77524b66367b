"""A program that forks and starts a subprocess: under vizbpf the children
run normally (no crash from inherited probe sites) and do not inherit
vizbpf's LD_PRELOAD."""
import os
import subprocess
import sys


def child_work(n):
    return sum(i for i in range(n))


def main():
    pid = os.fork()
    if pid == 0:
        print("child", child_work(1000), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("child status", status)
    out = subprocess.run([sys.executable, "-c",
                          "import os; print('LD_PRELOAD' in os.environ)"],
                         capture_output=True, text=True, check=True).stdout
    print("subprocess sees LD_PRELOAD:", out.strip())


main()
