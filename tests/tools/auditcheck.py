"""Checks --log_audit's output for tests/targets/audit_events.py.

    auditcheck.py TRACE EXPECTED_JSON [REGEX...]

Every audit instant's name matches one of the regexes (at its start); the program's own events
are there, in order, with their arguments as strings (open's flags: at least the bits the program
asked for). Exits 1 with the reason otherwise."""
import json
import re
import sys


def fail(msg):
    print("auditcheck: " + msg)
    sys.exit(1)


def main():
    trace = json.load(open(sys.argv[1]))
    expect = json.loads(sys.argv[2])
    regexes = sys.argv[3:]
    audits = [e for e in trace["traceEvents"] if e.get("ph") == "i" and e.get("cat") == "instant"]
    for e in audits:
        if e.get("s") != "t" or not isinstance(e.get("args", {}).get("args"), list):
            fail("not VizTracer's shape: %s" % e)
        if regexes and not any(re.match(r, e["name"]) for r in regexes):
            fail("%s does not match %s" % (e["name"], regexes))
    mine = []
    for e in audits:
        a = e["args"]["args"]
        if e["name"] == "open" and len(a) == 3 and a[0] == expect[0][1][0]:
            want = int(expect[0][1][2])
            if int(a[2]) & want == want:
                a = a[:2] + [str(want)]
            mine.append([e["name"], a])
        elif e["name"] in ("socket.__new__", "myapp.event", "myapp.other"):
            mine.append([e["name"], a])
    if mine != expect:
        fail("audit events %s, the program caused %s" % (mine, expect))
    print("auditcheck: %d audit events in all, the program's %d with their arguments"
          % (len(audits), len(mine)))


main()
