"""The bench driver (run.sh calls it): measures vizbpf against an untraced run
and cProfile on each interpreter given, prints one table per interpreter and a
summary, writes the raw numbers as JSON. Exits 1 if vizbpf fails or loses
events (or if a workload's call count is wrong); noise never fails it.

    bench.py --vizbpf PATH --repeats R --json OUT --tmp DIR [--missing NAME]... PYTHON...
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {"fib": "fib(25)", "mixed": "mixed"}
# args: vizbpf --log_func_args; retval: vizbpf --log_func_retval; bigring: vizbpf with a 1 GB
# ring buffer, which holds the whole workload: the evaluator's own cost, never waiting for
# vizbpf's reader (flow control) as it may with the default 16 MB
MODES = ("untraced", "cprofile", "vizbpf", "bigring", "attach", "inject", "args", "retval")
TRACED = ("cprofile", "vizbpf", "bigring", "attach", "inject", "args", "retval")
MEMORY_CALLS = (1_000_000, 4_000_000)
TARGET_ADDED_US = 0.2


class Failure(Exception):
    pass


def parse_kv(text):
    """The last `calls=... seconds=...` line of a workload's stdout, as a dict."""
    for line in reversed(text.splitlines()):
        if line.startswith("calls="):
            return {k: float(v) for k, v in (f.split("=") for f in line.split())}
    return None


def trace_metadata(path):
    """viztracer_metadata, read from the end of the trace (it is written last)."""
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - 65536))
        tail = f.read().decode("utf-8", "replace")
    at = tail.rfind('"viztracer_metadata":')
    if at < 0:
        return None
    return json.JSONDecoder().raw_decode(tail, at + len('"viztracer_metadata":'))[0]


def run(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=HERE, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return p, time.perf_counter() - t0


def run_attached(args, py, script_args, out, extra=()):
    """vizbpf -p: the workload waits, vizbpf attaches, the timed section runs traced."""
    go = os.path.join(args.tmp, "go")
    if os.path.exists(go):
        os.unlink(go)
    w = subprocess.Popen([py] + script_args, cwd=HERE, env=dict(os.environ, BENCH_WAIT=go),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    t0 = time.perf_counter()
    if w.stdout.readline().strip() != "waiting":
        w.kill()
        return subprocess.CompletedProcess(w.args, 1, "", w.stderr.read()), 0
    v = subprocess.Popen([args.vizbpf, "-o", out, "-p", str(w.pid)] + list(extra), cwd=HERE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, universal_newlines=True)
    err = []
    for line in v.stderr:
        err.append(line)
        if "tracing" in line:
            break
    open(go, "w").close()
    stdout, stderr = w.communicate()
    err.append(v.stderr.read())
    v.wait()
    rc = w.returncode or v.returncode
    return subprocess.CompletedProcess(w.args, rc, stdout, stderr + "".join(err)), \
        time.perf_counter() - t0


def run_workload(args, py, mode, script, extra=()):
    """One run; returns a dict of its numbers, raises Failure when vizbpf failed."""
    script_args = [script] + list(extra)
    out = os.path.join(args.tmp, "out.json")
    if mode in ("attach", "inject"):
        cmd = None
    elif mode == "untraced":
        cmd = [py] + script_args
    elif mode == "cprofile":
        cmd = [py, "-m", "cProfile", "-o", os.devnull] + script_args
    elif mode == "bigring":
        cmd = [args.vizbpf, "-q", "-o", out, "--buffer_size", "1024", "--", py] + script_args
    elif mode in ("args", "retval"):
        opt = "--log_func_args" if mode == "args" else "--log_func_retval"
        cmd = [args.vizbpf, "-q", "-o", out, opt, "--", py] + script_args
    else:
        cmd = [args.vizbpf, "-q", "-o", out, "--", py] + script_args
        if mode == "vizbpf-peakrss":
            cmd = [sys.executable, os.path.join(HERE, "peakrss.py")] + cmd
    p, wall = run(cmd) if cmd else run_attached(args, py, script_args, out,
                                                ["--inject"] if mode == "inject" else [])
    kv = parse_kv(p.stdout)
    what = "%s %s under %s" % (os.path.basename(py), " ".join(script_args), mode)
    if p.returncode != 0 or kv is None:
        raise Failure("%s: exit status %d\n%s" % (what, p.returncode, p.stderr.strip()[-2000:]))
    r = {"wall": wall, "seconds": kv["seconds"], "calls": int(kv["calls"]),
         "python_maxrss_kb": int(kv["maxrss_kb"])}
    if mode.startswith("vizbpf") or mode in ("bigring", "attach", "inject", "args", "retval"):
        meta = trace_metadata(out) if os.path.exists(out) else None
        if meta is None:
            raise Failure("%s: no trace metadata in %s" % (what, out))
        r["trace_bytes"] = os.path.getsize(out)
        r["traced_calls"] = meta.get("calls")
        r["calls_lost"] = meta.get("calls_lost", 0)
        r["code_records_lost"] = meta.get("code_records_lost", 0)
        os.unlink(out)
        if r["calls_lost"] or r["code_records_lost"]:
            raise Failure("%s: lost %d calls and %d code records" %
                          (what, r["calls_lost"], r["code_records_lost"]))
    if mode == "vizbpf-peakrss":
        kv = dict(f.split("=") for f in p.stderr.strip().splitlines()[-1].split()[1:])
        r["vizbpf_vmhwm_kb"] = int(kv["vmhwm_kb"])
        r["wait4_maxrss_kb"] = int(kv["wait4_maxrss_kb"])
    return r


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def measure(args, py):
    res = {"path": py, "name": os.path.basename(py)}
    res["version"] = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                    stdout=subprocess.PIPE, universal_newlines=True,
                                    check=True).stdout.strip()
    origin = "pyenv" if "/.pyenv/" in py else "Debian" if py.startswith("/usr/bin/") else py
    res["label"] = "%s (%s %s)" % (res["name"], origin, res["version"])
    print("measuring %s (%s, %s) ..." % (res["name"], py, res["version"]), file=sys.stderr, flush=True)
    wls = res["workloads"] = {}
    for wl in WORKLOADS:
        p, _ = run([py, wl + ".py"], env=dict(os.environ, BENCH_COUNT="1"))
        kv = parse_kv(p.stdout) or {}
        if p.returncode != 0 or kv.get("calls") != kv.get("counted"):
            raise Failure("%s %s.py: the call count is wrong: %s %s" %
                          (res["name"], wl, p.stdout.strip(), p.stderr.strip()))
        wls[wl] = {"calls": int(kv["calls"]), "runs": {m: [] for m in MODES}}
    # Interleave modes and workloads so that drift hits all of them alike.
    for _ in range(args.repeats):
        for wl in WORKLOADS:
            for mode in MODES:
                wls[wl]["runs"][mode].append(run_workload(args, py, mode, wl + ".py"))
    for w in wls.values():
        runs, n = w["runs"], w["calls"]
        med = w["median"] = {m: {k: median(runs[m], k) for k in ("seconds", "wall")} for m in MODES}
        base = med["untraced"]["seconds"]
        w["added_ns_per_call"] = {m: (med[m]["seconds"] - base) / n * 1e9
                                  for m in TRACED}
        w["slowdown"] = {m: med[m]["seconds"] / base for m in TRACED}
        w["e2e_slowdown"] = {m: med[m]["wall"] / med["untraced"]["wall"] for m in ("cprofile", "vizbpf")}
        w["trace_bytes"] = median(runs["vizbpf"], "trace_bytes")
        w["calls_lost"] = sum(r["calls_lost"] for m in ("vizbpf", "bigring", "attach", "inject", "args", "retval")
                              for r in runs[m])
    res["memory"] = {str(n): run_workload(args, py, "vizbpf-peakrss", "loop.py", [str(n)])
                     for n in MEMORY_CALLS}
    return res


def fmt_ms(s):
    return "%.1f ms" % (s * 1e3)


def print_table(res, repeats):
    wls, mem = res["workloads"], res["memory"]
    rows = [("calls in the timed section", lambda w: "{:,}".format(w["calls"]), "")]
    for m, label in (("untraced", "section time  untraced"), ("cprofile", "              cProfile"),
                     ("vizbpf", "              vizbpf"),
                     ("bigring", "              --buffer_size 1024"),
                     ("attach", "              vizbpf -p"),
                     ("inject", "              vizbpf -p --inject"),
                     ("args", "              --log_func_args"),
                     ("retval", "              --log_func_retval")):
        rows.append((label, lambda w, m=m: fmt_ms(w["median"][m]["seconds"]) +
                     ("" if m == "untraced" else "  (%.1fx)" % w["slowdown"][m]), ""))
    rows += [
        ("added per call  vizbpf", lambda w: "%+.3f us" % (w["added_ns_per_call"]["vizbpf"] / 1e3),
         "<= %.1f us" % TARGET_ADDED_US),
        ("                --buffer_size 1024", lambda w: "%+.3f us" % (w["added_ns_per_call"]["bigring"] / 1e3),
         "<= %.1f us (never waits for the reader)" % TARGET_ADDED_US),
        ("                vizbpf -p", lambda w: "%+.3f us" % (w["added_ns_per_call"]["attach"] / 1e3),
         "nothing injected: two probe hits a call"),
        ("                vizbpf -p --inject", lambda w: "%+.3f us" % (w["added_ns_per_call"]["inject"] / 1e3),
         "= launch"),
        ("                --log_func_args", lambda w: "%+.3f us" % (w["added_ns_per_call"]["args"] / 1e3),
         ""),
        ("                --log_func_retval", lambda w: "%+.3f us" % (w["added_ns_per_call"]["retval"] / 1e3),
         ""),
        ("                cProfile", lambda w: "%+.3f us" % (w["added_ns_per_call"]["cprofile"] / 1e3), ""),
        ("                vizbpf/cProfile", lambda w: "%.1fx" % (w["added_ns_per_call"]["vizbpf"] /
                                                                  max(w["added_ns_per_call"]["cprofile"], 1e-9)), ""),
        ("whole command   untraced", lambda w: "%.3f s" % w["median"]["untraced"]["wall"], ""),
        ("                vizbpf", lambda w: "%.3f s  (%.1fx)" % (w["median"]["vizbpf"]["wall"],
                                                                 w["e2e_slowdown"]["vizbpf"]), ""),
        ("trace size", lambda w: "%.1f MB" % (w["trace_bytes"] / 1e6), ""),
        ("calls lost (all vizbpf runs)", lambda w: "%d" % w["calls_lost"], "0"),
    ]
    print("\n== %s  %s  (medians of %d runs) ==" % (res["label"], res["path"], repeats))
    print("%-34s %-22s %-22s %s" % ("", WORKLOADS["fib"], WORKLOADS["mixed"], "target"))
    for label, f, target in rows:
        print("%-34s %-22s %-22s %s" % (label, f(wls["fib"]), f(wls["mixed"]), target))
    a, b = (mem[str(n)] for n in MEMORY_CALLS)
    print("%-34s %-22s %-22s %s" % ("leaf-call loop under vizbpf", "1M calls", "4M calls", ""))
    for label, f, target in (
            ("  vizbpf peak RSS (own VmHWM)", lambda r: "%.1f MB" % (r["vizbpf_vmhwm_kb"] / 1e3),
             "<= 64 MB, flat: 4M/1M = %.2fx" % (b["vizbpf_vmhwm_kb"] / a["vizbpf_vmhwm_kb"])),
            ("  wait4 maxrss (= time -f %M)", lambda r: "%.1f MB" % (r["wait4_maxrss_kb"] / 1e3),
             "vizbpf or its child, whichever is larger"),
            ("  traced python's own peak RSS", lambda r: "%.1f MB" % (r["python_maxrss_kb"] / 1e3), ""),
            ("  whole command", lambda r: "%.2f s" % r["wall"], ""),
            ("  trace size", lambda r: "%.0f MB" % (r["trace_bytes"] / 1e6), ""),
            ("  calls lost", lambda r: "%d" % r["calls_lost"], "0")):
        print("%-34s %-22s %-22s %s" % (label, f(a), f(b), target))


def summary(res):
    w, mem = res["workloads"], res["memory"]
    a, b = (mem[str(n)]["vizbpf_vmhwm_kb"] / 1e3 for n in MEMORY_CALLS)
    return ("%s: %+.2f/%+.2f us/call fib/mixed (1 GB ring: %+.2f/%+.2f; attached -p: %+.2f/%+.2f, --inject %+.2f/%+.2f; "
            "cProfile %+.2f/%+.2f), e2e %.1fx/%.1fx, peak RSS %.0f MB at 1M and %.0f MB at 4M calls (%.2fx)" % (
                res["label"],
                w["fib"]["added_ns_per_call"]["vizbpf"] / 1e3, w["mixed"]["added_ns_per_call"]["vizbpf"] / 1e3,
                w["fib"]["added_ns_per_call"]["bigring"] / 1e3, w["mixed"]["added_ns_per_call"]["bigring"] / 1e3,
                w["fib"]["added_ns_per_call"]["attach"] / 1e3, w["mixed"]["added_ns_per_call"]["attach"] / 1e3,
                w["fib"]["added_ns_per_call"]["inject"] / 1e3, w["mixed"]["added_ns_per_call"]["inject"] / 1e3,
                w["fib"]["added_ns_per_call"]["cprofile"] / 1e3, w["mixed"]["added_ns_per_call"]["cprofile"] / 1e3,
                w["fib"]["e2e_slowdown"]["vizbpf"], w["mixed"]["e2e_slowdown"]["vizbpf"], a, b, b / a))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vizbpf", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--missing", action="append", default=[])
    ap.add_argument("pythons", nargs="+")
    args = ap.parse_args()
    results, failures, lines = [], [], []
    for py in args.pythons:
        try:
            res = measure(args, py)
        except Failure as e:
            failures.append(str(e))
            results.append({"path": py, "name": os.path.basename(py), "error": str(e)})
            print("\n== %s ==\nFAILED: %s" % (py, e), flush=True)
            continue
        results.append(res)
        print_table(res, args.repeats)
        lines.append(summary(res))
        sys.stdout.flush()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"vizbpf": args.vizbpf, "repeats": args.repeats, "machine": platform.uname()._asdict(),
                   "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   "targets": {"added_us_per_call": TARGET_ADDED_US, "memory": "flat"},
                   "missing_interpreters": args.missing, "interpreters": results}, f, indent=1)
    print("\nHow: section time = the workload's own perf_counter() around its work (calls = its exact"
          " Python calls, checked with sys.setprofile); added per call = (median section time - median"
          " untraced) / calls; whole command = wall time of `vizbpf -q -o FILE -- python script`"
          " (trace written) vs `python script`; peak RSS = VmHWM of the vizbpf process itself, read at"
          " its exit under ptrace (peakrss.py), not /usr/bin/time's figure, which is the max over"
          " vizbpf and the python it waited for.")
    print("missing interpreters (not measured): " + (", ".join(args.missing) or "none"))
    print("raw numbers: " + args.json)
    print("\nSummary (targets: added <= %.1f us/call; memory flat):" % TARGET_ADDED_US)
    for line in lines:
        print("  " + line)
    for e in failures:
        print("  FAILED: " + e.splitlines()[0])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
