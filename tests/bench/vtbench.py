"""make bench, issue #14's VizTracer rows: vizbpf against VizTracer's default CLI
(`python -m viztracer`), whole command and added per call, on fib, the mixed workload and
16 M leaf calls, interleaved, medians. Run by run.sh on the first interpreter that can import
viztracer (PYTHONPATH is passed on: VizTracer built from source works).

    vtbench.py --vizbpf PATH --repeats R PYTHON
"""
import argparse
import os
import statistics
import subprocess
import sys

import bench

WORKLOADS = (("fib(25)", ["fib.py"]), ("mixed", ["mixed.py"]), ("16 M leaf calls", ["loop.py", "16000000"]))
TARGET_RATIO = 0.5


def run(cmd):
    """bench.py's run, failing loudly; the workload's wall time, section time and calls."""
    p, wall = bench.run(cmd)
    kv = bench.parse_kv(p.stdout)
    if p.returncode or kv is None:
        raise SystemExit("vtbench: %s failed:\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    return wall, kv["seconds"], int(kv["calls"])


def calls_lost(path):
    meta = bench.trace_metadata(path)
    return meta.get("calls_lost", 0) if meta else -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vizbpf", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("python")
    args = ap.parse_args()
    vz_out, vt_out = os.path.join(args.tmp, "vtbench-vizbpf.json"), os.path.join(args.tmp, "vtbench-viztracer.json")
    version = subprocess.run([args.python, "-c", "import viztracer; print(viztracer.__version__)"],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    print("issue #14 VizTracer rows (%s, VizTracer %s, medians of %d, interleaved):" % (args.python, version, args.repeats))
    for name, script in WORKLOADS:
        runs = {"untraced": [], "vizbpf": [], "viztracer": []}
        lost = 0
        for _ in range(args.repeats):
            runs["untraced"].append(run([args.python] + script))
            runs["vizbpf"].append(run([args.vizbpf, "-q", "-o", vz_out, "--", args.python] + script))
            lost += calls_lost(vz_out)
            runs["viztracer"].append(run([args.python, "-m", "viztracer", "--quiet", "-o", vt_out] + script))
        calls = runs["untraced"][0][2]
        wall = {m: statistics.median(r[0] for r in v) for m, v in runs.items()}
        sec = {m: statistics.median(r[1] for r in v) for m, v in runs.items()}
        ratio = wall["vizbpf"] / wall["viztracer"]
        print("  %-16s whole command: vizbpf %.3f s, VizTracer %.3f s (untraced %.3f) = %.2fx  <= %.1fx  %s" % (
            name, wall["vizbpf"], wall["viztracer"], wall["untraced"], ratio, TARGET_RATIO,
            "met" if ratio <= TARGET_RATIO and lost == 0 else "NOT met"))
        print("  %-16s added per call: vizbpf %+.3f us (%d lost), VizTracer %+.3f us (its default keeps the last 1 M entries; %d calls)" % (
            "", (sec["vizbpf"] - sec["untraced"]) / calls * 1e6, lost,
            (sec["viztracer"] - sec["untraced"]) / calls * 1e6, calls))
        for path in (vz_out, vt_out):
            if os.path.exists(path):
                os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
