"""Shared by the bench workloads: time the work section, or count its calls.

Timed (default): prints `calls=N seconds=S`; S is the section's
time.perf_counter() duration, N the section's exact number of Python calls,
which each workload knows analytically. BENCH_COUNT=1: runs the section under
sys.setprofile and prints `calls=N counted=M`, M being the 'call' events seen
(what VizTracer records and the oracle of vizbpf's tests); run.sh checks M == N.
Both also print `maxrss_kb=` (this process's own peak RSS).
BENCH_WAIT=FILE (attach mode): print `waiting`, and start the timed section only once FILE
exists (the driver attaches vizbpf meanwhile).
"""
import os
import resource
import sys
import time


def run(work, calls):
    if os.environ.get("BENCH_COUNT"):
        counted = 0

        def profile(frame, event, arg):
            nonlocal counted
            if event == "call":
                counted += 1
        sys.setprofile(profile)
        work()
        sys.setprofile(None)
        result = "counted=%d" % counted
    else:
        if os.environ.get("BENCH_WAIT"):
            print("waiting", flush=True)
            while not os.path.exists(os.environ["BENCH_WAIT"]):
                time.sleep(0.002)
        t0 = time.perf_counter()
        work()
        result = "seconds=%.6f" % (time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("calls=%d %s maxrss_kb=%d" % (calls, result, rss), flush=True)
