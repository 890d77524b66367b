"""--log_exception target (messages are args[0] when a str): exceptions raised in Python code, caught at once, caught callers up
(passing through frames that must not report them again), re-raised, raised by C code called
from Python, and finally one uncaught (exit status 1). What was raised where is printed as JSON
(on stderr's last line, before the traceback) for the test to compare with the trace."""
import json
import os
import sys
import time

raised = []  # [type, message, function, line]


def note(exc_type, msg, fn, line):
    raised.append([exc_type, msg, fn, line])


def caught_here():
    try:
        raise ValueError("caught here")
    except ValueError:
        pass
    note("ValueError", "caught here", "caught_here", caught_here.__code__.co_firstlineno + 2)


def deep(n):
    if n == 0:
        raise KeyError("deep")
    return deep(n - 1)


def caught_above():
    try:
        deep(3)
    except KeyError:
        pass
    note("KeyError", "deep", "deep", deep.__code__.co_firstlineno + 2)


def from_c():
    try:
        {}["missing"]
    except KeyError:
        pass
    note("KeyError", "missing", "from_c", from_c.__code__.co_firstlineno + 2)
    try:
        int("x1")
    except ValueError:
        pass
    note("ValueError", "invalid literal for int() with base 10: 'x1'", "from_c",
         from_c.__code__.co_firstlineno + 7)


def reraise():
    try:
        try:
            raise TypeError("first")
        except TypeError as e:
            raise e
    except TypeError:
        pass
    note("TypeError", "first", "reraise", reraise.__code__.co_firstlineno + 3)
    note("TypeError", "first", "reraise", reraise.__code__.co_firstlineno + 5)


def uncaught():
    note("RuntimeError", "the end", "uncaught", uncaught.__code__.co_firstlineno + 3)
    print(json.dumps(raised), file=sys.stderr, flush=True)
    raise RuntimeError("the end")


def main():
    caught_here()
    caught_above()
    from_c()
    reraise()
    uncaught()


if len(sys.argv) > 1:  # attach mode: wait for the tracer (GO_FILE exists)
    print("ready", flush=True)
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
main()
