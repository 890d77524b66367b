"""peakrss.py CMD [ARGS...]: run CMD and report ITS OWN peak RSS, not its children's.

/usr/bin/time -f %M reports ru_maxrss from wait4(), which on Linux is the max
over the child and every descendant it has waited for: for vizbpf that
includes the traced Python program. Here CMD runs under ptrace with
PTRACE_O_TRACEEXIT (and TRACEEXEC, so CMD may be a script that execs; its
children are not traced): when its main thread stops at exit, before the
kernel releases its memory, VmHWM is read from /proc/PID/status. Signals CMD receives meanwhile are passed on unchanged.

Prints one line on stderr, `peakrss: vmhwm_kb=A wait4_maxrss_kb=B status=S`,
and exits with CMD's status (128+N if killed by signal N).
"""
import ctypes
import os
import signal
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXEC, PTRACE_O_TRACEEXIT, PTRACE_EVENT_EXIT = 0x10, 0x40, 6

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(req, pid, data=0):
    if libc.ptrace(req, pid, None, ctypes.c_void_p(data)) == -1:
        err = ctypes.get_errno()
        raise OSError(err, "ptrace(%d): %s" % (req, os.strerror(err)))


def vmhwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


pid = os.fork()
if pid == 0:
    ptrace(PTRACE_TRACEME, 0)
    os.execvp(sys.argv[1], sys.argv[1:])      # stops with SIGTRAP after exec
_, status, _ = os.wait4(pid, 0)
ptrace(PTRACE_SETOPTIONS, pid, PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)
ptrace(PTRACE_CONT, pid)
hwm = -1
while True:
    _, status, ru = os.wait4(pid, 0)
    if not os.WIFSTOPPED(status):
        break
    sig, event = os.WSTOPSIG(status), status >> 16
    if sig == signal.SIGTRAP and event:       # a ptrace event stop: exec or exit
        if event == PTRACE_EVENT_EXIT:
            hwm = vmhwm_kb(pid)
        sig = 0
    ptrace(PTRACE_CONT, pid, sig)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
print("peakrss: vmhwm_kb=%d wait4_maxrss_kb=%d status=%d" % (hwm, ru.ru_maxrss, code),
      file=sys.stderr, flush=True)
sys.exit(code)
