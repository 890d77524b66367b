"""The sys.setprofile oracle for big runs: tests/tools/oracle.py's events, kept
compact (one int per event) so that a test suite's millions of calls fit.

    python oracle_compact.py OUT.json -m MODULE [ARGS...]
    python oracle_compact.py OUT.json SCRIPT.py [ARGS...]

OUT.json: {"codes": [[qualname, file, line], ...], "threads": [[event, ...], ...],
"hook_replaced": bool}; an event is a code index (a call) or -1 (a return);
threads in the order they first ran Python code (the main thread first).
"hook_replaced": the program set its own profile function, or the hook raised
(a RecursionError at the limit: CPython then removes it; see rearm()), so the
oracle missed part of the run (an oracle artefact, not vizbpf's).

CPython runs audit hooks with profiling off unless a hook has __cantrace__;
vizbpf sees them like any call, so the oracle marks every hook the program adds
as traceable (addaudithook_cantrace below; compare.py ignores this file's frames).

The oracle imports nothing the program would not (runpy runs `python -m` anyway):
a module it imported first would be missing from the program's imports. So no
threading.setprofile: the hook goes to new threads through _thread's start
functions, which threading binds when the program imports it.
"""
import _thread
import runpy
import sys

armed = True
codes = []
code_ids = {}  # code object -> index; holding them keeps addresses from being reused
threads = []
local = _thread._local()


def profile(frame, event, arg):
    if event == "call":
        code = frame.f_code
        i = code_ids.get(code)
        if i is None:
            i = code_ids[code] = len(codes)
            codes.append([getattr(code, "co_qualname", code.co_name), code.co_filename,
                          code.co_firstlineno])
    elif event == "return":
        i = -1
    else:
        return
    try:
        local.events.append(i)
    except AttributeError:
        local.events = [i]
        threads.append(local.events)


def rearm(event, args):
    """An audit hook: CPython removes a profile function that raises (a
    RecursionError at the limit); put it back at the next audit event and write
    the stack as it is then (-2, count, code indexes from the outermost), since
    the calls and returns in between were missed."""
    if (not armed or sys.getprofile() is not None or getattr(local, "events", None) is None
            or getattr(local, "rearming", False)):
        return
    local.rearming = True  # sys._getframe is itself an audit event
    stack = []
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != __file__:
        code = frame.f_code
        i = code_ids.get(code)
        if i is None:
            i = code_ids[code] = len(codes)
            codes.append([getattr(code, "co_qualname", code.co_name), code.co_filename,
                          code.co_firstlineno])
        stack.append(i)
        frame = frame.f_back
    stack.reverse()
    local.events.extend([-2, len(stack)] + stack)
    local.rearmed = True
    sys.setprofile(profile)  # an audit event too
    local.rearming = False


def addaudithook_cantrace(hook, _add=sys.addaudithook):
    try:
        hook.__cantrace__ = True
    except AttributeError:
        pass
    return _add(hook)


def profiled(function):
    def thread_start(*args, **kwargs):
        sys.setprofile(profile)
        return function(*args, **kwargs)
    return thread_start


def start_profiled(start):
    return lambda function, *args, **kwargs: start(profiled(function), *args, **kwargs)


def main():
    out = sys.argv[1]
    sys.addaudithook(rearm)
    sys.addaudithook = addaudithook_cantrace
    if sys.argv[2] == "-m":
        module, sys.argv = sys.argv[3], [sys.argv[3]] + sys.argv[4:]
    else:
        module, sys.argv = None, sys.argv[2:]
    for name in ("start_new_thread", "start_joinable_thread", "start_new"):
        if hasattr(_thread, name):
            setattr(_thread, name, start_profiled(getattr(_thread, name)))
    if "threading" in sys.modules:
        sys.modules["threading"].setprofile(profile)
    sys.setprofile(profile)
    status = 0
    try:
        if module:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        global armed
        armed = False
        replaced = sys.getprofile() is not profile or getattr(local, "rearmed", False)
        sys.setprofile(None)
        import json  # only now: the program imports what it imports, as untraced
        with open(out, "w") as f:
            json.dump({"codes": codes, "threads": threads, "hook_replaced": replaced}, f)
    sys.exit(status)


main()
