"""Checks custom events (share/vizbpf_events.py) for tests/targets/custom_events.py.

    customcheck.py TRACE EMITTED_JSON

Instants (cat instant), counters (ph C) and spans (X slices named as the spans) must be exactly
those the program emitted, with their values, per thread in order; each span strictly inside
its caller's slice and around what ran in its block. Exits 1 with the reason otherwise."""
import json
import sys


def fail(msg):
    print("customcheck: " + msg)
    sys.exit(1)


def main():
    trace = json.load(open(sys.argv[1]))
    expect = json.loads(sys.argv[2])
    ev = sorted(trace["traceEvents"], key=lambda e: (e.get("tid", 0), e.get("ts", 0)))
    span_names = {s[0] for s in expect["spans"]}
    # audit events (--log_audit) are instants too, with args {"args": [...]}
    instants = [[e["name"], e.get("args", {}).get("value")] for e in ev
                if e.get("ph") == "i" and e.get("cat") == "instant" and
                "args" not in e.get("args", {})]
    counters = [[e["name"], e["args"]] for e in ev
                if e.get("ph") == "C" and e["name"] != "garbage collection"]  # --log_gc's
    spans = [e for e in ev if e.get("ph") == "X" and e["name"] in span_names]

    def norm(x):  # 0 and 0.0 are the same number (JSON does not tell them apart)
        if isinstance(x, bool) or x is None or isinstance(x, str):
            return x
        if isinstance(x, (int, float)):
            return float(x)
        if isinstance(x, dict):
            return {k: norm(v) for k, v in x.items()}
        return [norm(v) for v in x]

    def key(x):
        return json.dumps(norm(x), sort_keys=True)
    if sorted(map(key, instants)) != sorted(map(key, expect["instants"])):
        fail("instants %s, the program emitted %s" % (instants, expect["instants"]))
    if sorted(map(key, counters)) != sorted(map(key, expect["counters"])):
        fail("counters %s, the program emitted %s" % (counters, expect["counters"]))
    if sorted(s["name"] for s in spans) != sorted(s[0] for s in expect["spans"]):
        fail("spans %s, the program emitted %s" % ([s["name"] for s in spans], expect["spans"]))
    fee = [e for e in ev if e.get("ph") == "X" and e.get("cat") == "FEE"]
    for s in spans:
        end = s["ts"] + s["dur"]
        for e in fee:
            if e is s or e["tid"] != s["tid"]:
                continue
            e_end = e["ts"] + e["dur"]
            # strict nesting: either disjoint, or one inside the other
            if e["ts"] < s["ts"] < e_end < end or s["ts"] < e["ts"] < end < e_end:
                fail("span %s [%s, %s] overlaps %s [%s, %s]" % (s["name"], s["ts"], end,
                                                              e["name"], e["ts"], e_end))
    inner = [s for s in spans if s["name"] == "inner"][0]
    deco = [s for s in spans if s["name"] == "decorated"][0]
    if not (inner["ts"] <= deco["ts"] and deco["ts"] + deco["dur"] <= inner["ts"] + inner["dur"]):
        fail("span decorated is not inside span inner")
    print("customcheck: %d instants, %d counters, %d spans as emitted"
          % (len(instants), len(counters), len(spans)))


main()
