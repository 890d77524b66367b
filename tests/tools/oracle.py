"""sys.setprofile oracle: run a target program and record, per thread, the
'call'/'return' events of Python code — what VizTracer records and what
vizbpf must reproduce.

    python oracle.py OUT.json TARGET.py [ARGS...]

Works on CPython 3.8+ (names: co_qualname where it exists, else co_name).
"""
import itertools
import json
import runpy
import sys
import threading

events = {}  # thread serial -> list of [kind, name, file, line]
local = threading.local()
serials = itertools.count()


def profile(frame, event, arg):
    if event not in ("call", "return"):
        return
    code = frame.f_code
    name = getattr(code, "co_qualname", code.co_name)
    # Not get_ident(): a finished thread's ident is reused by the next one.
    try:
        serial = local.serial
    except AttributeError:
        serial = local.serial = next(serials)
    events.setdefault(serial, []).append(
        [event, name, code.co_filename, code.co_firstlineno])


def main():
    out, target = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        runpy.run_path(target, run_name="__main__")
    except SystemExit:
        pass
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        with open(out, "w") as f:
            json.dump(list(events.values()), f)


main()
