"""Checks --log_exception's output for tests/targets/exceptions.py.

    exccheck.py TRACE RAISED_JSON

The exception instants raised in functions of exceptions.py must be, in order, what the program
says it raised ([type, message, function, line] each): once where raised, never again in the
frames it passes through. Exits 1 with the reason otherwise."""
import json
import sys


def main():
    trace = json.load(open(sys.argv[1]))
    expect = json.loads(sys.argv[2])
    got = []
    for e in trace["traceEvents"]:
        if e.get("cat") != "exception":
            continue
        if e.get("ph") != "i" or e.get("s") != "t":
            print("exccheck: not a thread instant: %s" % e)
            sys.exit(1)
        a = e["args"]
        fn = a["function"] or ""
        if "exceptions.py:" not in fn:
            continue
        got.append([a["type"], a["message"], fn.split(" (")[0], a["line"]])
    if got != expect:
        print("exccheck: trace has %s, the program raised %s" % (got, expect))
        sys.exit(1)
    print("exccheck: %d exceptions where the program raised them" % len(got))


main()
