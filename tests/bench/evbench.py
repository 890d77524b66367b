"""make bench, event rows: what --log_gc, --log_exception, --log_audit and custom events cost.

    evbench.py --vizbpf PATH --repeats R [PYTHON]

Each workload (evloop.py) runs traced by vizbpf without and with the option that records its
events; the difference per event is the option's cost. A custom event is compared with a
plain traced call of an empty function with the same arguments (it is always recognised).
Best of R runs each (the machine may be shared). Exit 1 only if a run fails.
"""
import argparse
import os
import sys

from kbench import best

N = {"plain": 100_000, "custom": 100_000, "counter": 100_000, "exc": 50_000, "audit": 100_000,
     "gc": 20_000}


def traced(args, py, opts, what, out):
    return best([args.vizbpf, "-q", "-o", out] + opts + ["--", py, "evloop.py", what,
                                                         str(N[what])], args.repeats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vizbpf", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("python", nargs="?", default="/usr/bin/python3.11")
    args = ap.parse_args()
    py, out = args.python, os.path.join(args.tmp, "evbench.json")
    plain = traced(args, py, [], "plain", out)
    rows = [("custom instant() vs a plain traced call", plain,
             traced(args, py, [], "custom", out)),
            ("custom counter() vs a plain traced call", plain,
             traced(args, py, [], "counter", out))]
    for name, opt, what in [("exception raised and caught (--log_exception)", "--log_exception",
                             "exc"),
                            ("sys.audit() (--log_audit)", "--log_audit", "audit"),
                            ("gc.collect(0) (--log_gc)", "--log_gc", "gc")]:
        rows.append((name, traced(args, py, [], what, out), traced(args, py, [opt], what, out)))
    print("event costs (%s, best of %d; per event, traced: without -> with, added):" %
          (py, args.repeats))
    for name, a, b in rows:
        print("  %-45s %8.0f ns -> %8.0f ns  %+7.0f ns" % (name, a * 1e9, b * 1e9, (b - a) * 1e9))
    return 0


if __name__ == "__main__":
    sys.exit(main())
