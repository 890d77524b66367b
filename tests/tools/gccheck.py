"""Checks --log_gc's output for tests/targets/gc_events.py.

    gccheck.py TRACE CALLBACKS_JSON

The gc slices inside collect_gen0, collect_gen2 and automatic (on their thread, in their time)
must be, in order, what gc.callbacks reported in the program (generation, collected,
uncollectable), each with a Node.__del__ slice nested inside it; every gc slice has the
'garbage collection' counter at both ends. Exits 1 with the reason otherwise."""
import json
import sys


def fail(msg):
    print("gccheck: " + msg)
    sys.exit(1)


def main():
    trace = json.load(open(sys.argv[1]))
    expect = json.loads(sys.argv[2])
    ev = trace["traceEvents"]
    fee = [e for e in ev if e.get("ph") == "X" and e.get("cat") == "FEE"]
    gcs = [e for e in ev if e.get("ph") == "X" and e.get("cat") == "gc"]
    counters = [e for e in ev if e.get("ph") == "C" and e.get("name") == "garbage collection"]

    def inside(inner, outer):
        return (inner["tid"] == outer["tid"] and inner["pid"] == outer["pid"] and
                inner["ts"] >= outer["ts"] and
                inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"])

    got = []
    for fn in ("collect_gen0", "collect_gen2", "automatic"):
        outer = [e for e in fee if e["name"].startswith(fn + " (")]
        if len(outer) != 1:
            fail("%d slices of %s" % (len(outer), fn))
        got += sorted((g for g in gcs if inside(g, outer[0])), key=lambda g: g["ts"])
    have = [{k: g["args"][k] for k in ("generation", "collected", "uncollectable")} for g in got]
    if have != expect:
        fail("gc slices %s, gc.callbacks said %s" % (have, expect))
    for g in got:
        if g["name"] != "gc: generation %d" % g["args"]["generation"]:
            fail("gc slice named %r" % g["name"])
        if g["args"]["collected"] and not any(
                e["name"].startswith("Node.__del__ (") or e["name"].startswith("__del__ (")
                for e in fee if inside(e, g)):
            fail("no __del__ nested in the gc slice at %s" % g["ts"])
        ends = {(c["ts"], c["args"]["collecting"]) for c in counters if c["pid"] == g["pid"]}
        if (g["ts"], 1) not in ends or (round(g["ts"] + g["dur"], 3), 0) not in \
                {(round(t, 3), v) for t, v in ends}:
            fail("no 'garbage collection' counter at the ends of the gc slice at %s" % g["ts"])
    print("gccheck: %d collections as gc.callbacks reported them, %d gc slices in all"
          % (len(got), len(gcs)))


main()
