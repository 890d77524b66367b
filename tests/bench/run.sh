#!/usr/bin/env bash
# make bench: vizbpf's cost against an untraced run and cProfile, per interpreter.
#
#   VIZBPF=.output/vizbpf bash tests/bench/run.sh
#   VIZBPF_BENCH_QUICK=1 ...            only /usr/bin/python3.11, 3 repeats instead of 5
#   VIZBPF_BENCH_PYTHONS="/usr/bin/python3.11 /root/.pyenv/versions/3.12.1/bin/python3.12" ...
#
# Needs root (vizbpf does). Prints a table per interpreter and a summary;
# raw numbers go to .output/bench/results.json. Exits non-zero only if vizbpf
# fails or loses events, never because a number misses its target.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vizbpf=$(realpath "${VIZBPF:-$root/.output/vizbpf}")
[ -x "$vizbpf" ] || { echo "bench: no vizbpf at $vizbpf (run make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: vizbpf needs root" >&2; exit 1; }

repeats=5
missing=()
if [ -n "${VIZBPF_BENCH_PYTHONS:-}" ]; then
    read -r -a pythons <<<"$VIZBPF_BENCH_PYTHONS"
elif [ -n "${VIZBPF_BENCH_QUICK:-}" ]; then
    pythons=(/usr/bin/python3.11)
else
    pythons=(/usr/bin/python3.11)
    pyenv_root=${PYENV_ROOT:-/root/.pyenv}
    for minor in 8 9 10 11 12 13; do
        # the newest pyenv build of 3.$minor, if any
        py=$(ls -d "$pyenv_root"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V | tail -n 1)
        if [ -n "$py" ]; then pythons+=("$py"); else missing+=("pyenv 3.$minor"); fi
    done
fi
[ -n "${VIZBPF_BENCH_QUICK:-}" ] && repeats=3

present=()
for py in "${pythons[@]}"; do
    if [ -x "$py" ]; then present+=("$py"); else missing+=("$py"); fi
done
for m in "${missing[@]}"; do echo "bench: interpreter missing, not measured: $m" >&2; done
[ ${#present[@]} -gt 0 ] || { echo "bench: no interpreter to measure" >&2; exit 1; }

export PYTHONDONTWRITEBYTECODE=1   # keep tests/bench free of __pycache__
tmp=$(mktemp -d /tmp/vizbpf-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "vizbpf bench: $vizbpf, $(nproc) CPUs, $(uname -r), ${#present[@]} interpreter(s), $repeats repeats"
/usr/bin/python3 "$here/bench.py" --vizbpf "$vizbpf" --repeats "$repeats" \
    --json "$root/.output/bench/results.json" --tmp "$tmp" \
    "${missing[@]/#/--missing=}" "${present[@]}"
# --kernel: what the kernel tracepoints add (per syscall traced and untraced, per sched event).
/usr/bin/python3 "$here/kbench.py" --vizbpf "$vizbpf" --repeats "$repeats" --tmp "$tmp" "${present[0]}"
# --log_gc, --log_exception, --log_audit and custom events: the cost per event.
/usr/bin/python3 "$here/evbench.py" --vizbpf "$vizbpf" --repeats "$repeats" --tmp "$tmp" "${present[0]}"
# Issue #14: start-up, the first call's hold, .json.gz against .json, vizbpf's own peak RSS.
/usr/bin/python3 "$here/startbench.py" --vizbpf "$vizbpf" --repeats "$repeats" --tmp "$tmp" "${present[0]}"
# Issue #14: against VizTracer's default CLI, on the first interpreter that imports it.
vt=
for py in "${present[@]}"; do "$py" -c "import viztracer" 2>/dev/null && { vt=$py; break; }; done
if [ -n "$vt" ]; then
    /usr/bin/python3 "$here/vtbench.py" --vizbpf "$vizbpf" --repeats "$repeats" --tmp "$tmp" "$vt"
else
    echo "issue #14 VizTracer rows: not measured (no interpreter measured imports viztracer)"
fi
