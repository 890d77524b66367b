"""--log_async: what a trace of tests/targets/two_tasks.py says, in the lines the program prints.

    python asynccheck.py TRACE.json

For each track (by its name) the slices of alpha_work and beta_work on it, and for the task
tracks the steps of their coroutine (slices of alpha_job on alpha-task, beta_job on beta-task).
Exits 1 if the two task tracks are missing, share a track id, or hold anything but their own
coroutine's steps at their top level (everything else must nest inside a step).
"""
import json
import sys
from collections import Counter

JOB = {"alpha-task": "alpha_job", "beta-task": "beta_job"}


def main(path):
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    names = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e["pid"], e["tid"])] = e["args"]["name"]
    tracks = {n: k for k, n in names.items() if n in JOB}
    if len(tracks) != 2 or len(set(tracks.values())) != 2:
        print("task tracks:", tracks)
        return 1
    calls, steps = Counter(), Counter()
    slices = {}
    for e in events:
        if e.get("ph") != "X" or e.get("cat") != "FEE":
            continue
        func = e["name"].split(" ")[0]
        track = names.get((e["pid"], e["tid"]), "tid %d" % e["tid"])
        if func in ("alpha_work", "beta_work"):
            calls[(track, func)] += 1
        if func in ("alpha_job", "beta_job"):
            steps[(track, func)] += 1
        if track in JOB:
            slices.setdefault(track, []).append((round(e["ts"] * 1000), round(e["dur"] * 1000), func))
    bad = 0
    for track, ss in slices.items():
        ss.sort(key=lambda s: (s[0], -s[1]))
        end = -1
        for start, dur, func in ss:
            if start >= end:  # a top-level slice: must be a step of the task's coroutine
                if func != JOB[track]:
                    print("%s: %s at the top level" % (track, func))
                    bad = 1
                end = start + dur
    for (track, func), n in sorted(calls.items()):
        print(track, func, n)
    for (track, func), n in sorted(steps.items()):
        print(track, "steps", n) if JOB.get(track) == func else print(track, func, "steps", n)
    return bad


sys.exit(main(sys.argv[1]))
