#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# VizTracer's command-line options under vizbpf (issue 13): -m/-c, -u, --output_dir, --open,
# --rcfile/.viztracerrc, the aliases, and every other VizTracer option working or refused.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

slice_names() { # TRACE
	jq -r '[.traceEvents[] | select(.ph == "X") | .name | sub(" \\(.*"; "")] | unique | .[]' "$1"
}

@test "-m MODULE and -c CMD run python3 from PATH with the program's arguments and status" {
	requires root bpf
	cat >mymod.py <<'PY'
import sys
def work():
    return sys.version_info[:2]
print("argv", sys.argv[1:], "version %d.%d" % work())
sys.exit(7)
PY
	for py in $(pythons); do
		want=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
		mkdir -p bin && ln -sf "$py" bin/python3
		rm -f m.json c.json
		run -7 env PATH="$PWD/bin:$PATH" "$VIZBPF" -q -o m.json -m mymod a -o b
		[[ $output == *"argv ['a', '-o', 'b'] version $want"* ]] || { echo "$py -m: $output"; return 1; }
		slice_names m.json | grep -qx work || { echo "$py: no work() slice"; return 1; }
		run -3 env PATH="$PWD/bin:$PATH" "$VIZBPF" -q -o c.json \
			-c 'import sys
def f(): return sys.argv[1:]
print(f()); sys.exit(3)' x y
		[[ $output == *"['x', 'y']"* ]] || { echo "$py -c: $output"; return 1; }
		slice_names c.json | grep -qx f || { echo "$py: no f() slice"; return 1; }
		echo "# $py: -m and -c ok" >&3
	done
	# -m launches: not with -p.
	run -64 "$VIZBPF" -p 1 -m a
	[[ $output == *"not with -p PID"* ]]
	run -64 env PATH=/nonexistent "$VIZBPF" -c pass
	[[ $output == *"no python3 on PATH"* ]]
}

@test "-u writes result_<program>_<time>.json; --output_dir puts the output(s) in a new folder" {
	requires root bpf
	"$VIZBPF" -q -u -c pass
	"$VIZBPF" -q -u -- python3 -c pass
	"$VIZBPF" -q -u -- python3 "$TARGETS/timed.py" >/dev/null
	[ ! -e result.json ]
	ls result_python_*.json >/dev/null
	[ "$(ls result_python_*.json | wc -l)" = 2 ]
	f=$(ls result_timed_*.json)
	slice_names "$f" | grep -qx work
	run -64 "$VIZBPF" -u -o x.json -c pass
	[[ $output == *"-u names the output itself"* ]]
	"$VIZBPF" -q --output_dir out/ -o t.json -c pass
	jq -e '.traceEvents | length > 0' out/t.json
	"$VIZBPF" -q --output_dir out2 --pid_suffix -c 'import os
if os.fork() == 0: os._exit(0)
os.wait()'
	[ "$(ls out2/result_*.json | wc -l)" = 2 ]
	touch afile
	run -64 "$VIZBPF" --output_dir afile -c pass
	[[ $output == *"not a directory"* ]]
}

@test "--rcfile and ./.viztracerrc: VizTracer's [default] keys, the command line wins" {
	requires root bpf
	cat >prog.py <<'PY'
def h(): pass
def g(): h()
def f(): g()
f()
PY
	mkdir d1 d2
	printf '[default]\nmax_stack_depth = 3\nignore_frozen = True\nquiet = True\noutput_file = rc.json\n' >my.rc
	run "$VIZBPF" --rcfile my.rc -- python3 prog.py
	[ "$status" = 0 ] && [ -z "$output" ] # quiet came from the rc file
	names=$(slice_names rc.json)
	[[ $names == *"g"* && $names != *$'\nh'* ]] || { echo "depth 3: $names"; return 1; }
	run -0 "$VIZBPF" --rcfile=my.rc --max_stack_depth 4 -- python3 prog.py
	slice_names rc.json | grep -qx h
	# ./.viztracerrc when no --rcfile; "= False" leaves a flag off; lists are split.
	printf '[default]\nquiet = False\ninclude_files = %s/d1 %s\n' "$PWD" "$PWD" >.viztracerrc
	run -0 "$VIZBPF" -c pass
	[[ $output == *"calls recorded"* ]]
	jq -e '[.traceEvents[] | select(.ph == "X")] | length == 0' result.json
	run -0 "$VIZBPF" -q -- python3 prog.py
	[ "$(slice_names result.json | tr '\n' ' ')" = "<module> f g h " ]
	rm .viztracerrc
	# Bad rc files: one line, status 64.
	printf '[default]\nbogus = 1\n' >bad1
	printf 'max_stack_depth = 1\n' >bad2
	printf '[default]\nignore_frozen = maybe\n' >bad3
	printf '[default]\nlog_torch = True\n' >bad4
	printf '[default]\nmodule = json.tool\n' >bad5
	for f in bad1 bad2 bad3 bad4 bad5 missing; do
		run -64 "$VIZBPF" --rcfile $f -c pass
		echo "# $f: $output" >&3
		[ "${#lines[@]}" -le 2 ]
	done
}

@test "--open serves the trace in vizbpf view until the page has loaded it, exit status kept" {
	requires root bpf
	mkdir bin && cp "$REPO/tests/fixtures/fake-xdg-open" bin/xdg-open
	command -v curl >/dev/null || skip "no curl"
	run -5 env OPENED_LOG="$PWD/opened" PATH="$PWD/bin:$PATH" timeout 30 "$VIZBPF" -q --open \
		-c 'import sys; sys.exit(5)'
	[[ $(cat opened) == http://127.0.0.1:* ]]
	[[ $output == *"serving result.json"* ]]
	jq -e '.traceEvents | length > 0' result.json
}

@test "VizTracer's --attach PID and -t SECONDS are -p and --duration; --min_duration takes units" {
	requires root bpf
	py=$(pythons | awk '{print $1}')
	"$py" -c 'import time
print("ready", flush=True)
def tick(): time.sleep(0.01)
while True: tick()' >out.txt 3>&- &
	ppid=$!
	wait_for_line out.txt ready
	SECONDS=0
	run "$VIZBPF" -q -o a.json --attach $ppid -t 1
	kill $ppid
	[ "$status" = 0 ] && [ $SECONDS -lt 10 ]
	slice_names a.json | grep -qx tick
	for d in 0.3ms 300 300us 0.0003s; do
		"$VIZBPF" -q -o "m$d.json" --min_duration $d -- "$py" "$TARGETS/timed.py" >/dev/null
		jq -e '[.traceEvents[] | select(.ph == "X" and .dur < 300)] | length == 0' "m$d.json"
	done
	run -64 "$VIZBPF" --min_duration 3parsecs -c pass
}

@test "every VizTracer option vizbpf cannot honour is refused with its reason, in one line" {
	for o in log_func_with_objprint \
		log_torch log_var=x log_number=x log_attr=x \
		log_func_exec=x log_func_entry=x magic_comment plugins=x trace_self \
		ignore_multiprocess dump_raw subprocess_child patch_only compress=x decompress=x \
		attach_installed=1 uninstall=1 combine=x align_combine=x; do
		run -64 "$VIZBPF" --$o -c pass
		[[ ${lines[0]} == "vizbpf: option '--${o%%=*}' is not supported by vizbpf: "?* ]] ||
			{ echo "--$o: $output"; return 1; }
	done
	# Accepted: what they ask for always holds under vizbpf.
	requires root bpf
	run -0 "$VIZBPF" -q --file_info --log_exit --minimize_memory --sanitize_function_name \
		--log_subprocess --log_multiprocess --ignore_c_function -c pass
}

@test "--tracer_entries N keeps exactly the last N slices: the oracle's tail, on every interpreter" {
	requires root bpf
	cp "$TARGETS/flight.py" .
	for py in $(pythons); do
		rm -f t.json o.json
		"$VIZBPF" -q -o t.json --tracer_entries 500 --include_files "$PWD" -- "$py" "$PWD/flight.py" >traced.out
		"$py" "$TOOLS/oracle.py" o.json "$PWD/flight.py" >oracle.out
		cmp traced.out oracle.out
		run python3 "$TOOLS/tail.py" t.json o.json flight.py 500
		echo "# $py: $output" >&3
		[ "$status" = 0 ] || return 1
		python3 "$TOOLS/calltree.py" t.json /dev/null /dev/null --check-only
	done
	run -64 "$VIZBPF" --tracer_entries 0 -c pass
}

# Starts a program under PY that calls forever and prints "ready"; sets $ppid.
start_busy() { # PY
	"$1" -c 'import time
def leaf(i): return i
def mid(i): return leaf(i) + leaf(i + 1)
def main():
    print("ready", flush=True)
    n = 0
    while True:
        mid(n); n += 1
        if n % 1000 == 0: time.sleep(0.001)
main()' >busy.out 3>&- &
	ppid=$!
	wait_for_line busy.out ready
}

@test "kill -USR1 writes snapshots of a running attach without stopping; each is a valid trace" {
	requires root bpf
	for py in $(pythons); do
		rm -f t*.json vz.err
		start_busy "$py"
		"$VIZBPF" -o t.json --tracer_entries 2000 -p $ppid 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err tracing || { kill $ppid $vpid; return 1; }
		sleep 0.5
		kill -USR1 $vpid
		wait_for_line vz.err "snapshot 1 saved to t_1.json" || { kill $ppid $vpid; return 1; }
		sleep 0.5
		kill -USR1 $vpid
		wait_for_line vz.err "snapshot 2 saved to t_2.json" || { kill $ppid $vpid; return 1; }
		kill -0 $vpid && kill -0 $ppid # both still running
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf failed: $(cat vz.err)"; kill $ppid; return 1; }
		kill -0 $ppid # the program runs on after detach
		kill $ppid
		for f in t_1.json t_2.json t.json; do
			python3 "$TOOLS/calltree.py" $f /dev/null /dev/null --check-only ||
				{ echo "$py: $f does not nest"; return 1; }
			# At most N finished slices plus the calls open at the snapshot (main, mid, leaf).
			n=$(jq '[.traceEvents[] | select(.ph == "X")] | length' $f)
			[ "$n" -ge 2000 ] && [ "$n" -le 2004 ] || { echo "$py: $f has $n slices"; return 1; }
			jq -e '[.traceEvents[] | select(.ph == "X" and (.name | startswith("main (")))] | length == 1' $f >/dev/null ||
				{ echo "$py: $f lacks the open main()"; return 1; }
		done
		[ "$(meta t_1.json snapshot)" = 1 ] && [ "$(meta t_2.json snapshot)" = 2 ]
		# Snapshot 2 was taken later: its newest slice ends after snapshot 1's.
		e1=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf"))) | .ts + .dur] | max' t_1.json)
		e2=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf"))) | .ts + .dur] | max' t_2.json)
		jq -ne "$e2 > $e1 + 100000" >/dev/null || { echo "$py: snapshot 2 ($e2) not 0.1 s after 1 ($e1)"; return 1; }
		echo "# $py: 2 snapshots and the final trace, $(meta t.json slices_not_kept) slices not kept" >&3
	done
}

@test "--tracer_entries: vizbpf's memory stays flat over a long run (10 s, ~1 M calls/s)" {
	requires root bpf
	py=$(pythons | awk '{print $1}')
	"$VIZBPF" -q -o r.json --tracer_entries 100000 -- "$py" -c 'import time
def leaf(i): return i
def mid(i): return leaf(i) + leaf(i + 1)
t = time.time() + 10
n = 0
while time.time() < t:
    mid(n); n += 1
print("calls", n)' >run.out 3>&- &
	vpid=$!
	sleep 3
	rss3=$(awk '/VmRSS/ {print $2}' /proc/$vpid/status)
	sleep 6
	rss9=$(awk '/VmRSS/ {print $2}' /proc/$vpid/status)
	wait $vpid
	echo "# $py: vizbpf RSS ${rss3} kB at 3 s, ${rss9} kB at 9 s; $(cat run.out)" >&3
	[ $((rss9 - rss3)) -lt 4096 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "X")] | length' r.json)" -le 100010 ]
}

@test "vizbpf combine: two runs (one .gz) in one trace; --align starts each at 0; bad input refused" {
	requires root bpf
	set -- $(pythons)
	py1=$1 py2=${2:-$1}
	"$VIZBPF" -q -o a.json -- "$py1" -c 'def fa(): pass
fa()'
	"$VIZBPF" -q -o b.json.gz -- "$py2" -c 'def fb(): pass
fb()'
	run -0 "$VIZBPF" combine a.json b.json.gz -o c.json
	na=$(jq '.traceEvents | length' a.json)
	nb=$(gzip -dc b.json.gz | jq '.traceEvents | length')
	[ "$(jq '.traceEvents | length' c.json)" = $((na + nb)) ]
	# Events are copied whole: each input's own events are all there, the same.
	diff <(jq -c '.traceEvents[]' a.json | sort) \
		<(jq -c --slurpfile a a.json '.traceEvents[] | select(IN($a[0].traceEvents[]))' c.json | sort)
	jq -e '.viztracer_metadata.combined_from == ["a.json", "b.json.gz"]' c.json
	run -0 "$VIZBPF" combine --align a.json b.json.gz -o d.json.gz
	gzip -dc d.json.gz >d.json
	jq -e '[.traceEvents[] | select(.ts) | .ts] | min == 0' d.json
	# Each trace starts at 0: fa and fb are where they were in their own run.
	fa=$(jq '([.traceEvents[] | select(.ts) | .ts] | min) as $m | .traceEvents[] | select(.name | startswith("fa ")) | .ts - $m' a.json)
	fa2=$(jq '.traceEvents[] | select(.name | startswith("fa ")) | .ts' d.json)
	jq -ne "($fa - $fa2) | fabs < 0.002"
	python3 "$TOOLS/calltree.py" d.json /dev/null /dev/null --check-only
	echo '{"nope": 1}' >bad.json
	run -1 "$VIZBPF" combine a.json bad.json -o e.json
	[[ $output == *'bad.json: no "traceEvents" array; e.json not written'* ]]
	[ ! -e e.json ]
	run -1 "$VIZBPF" combine missing.json -o e.json
	[[ $output == *"missing.json: No such file"* ]]
	run -64 "$VIZBPF" combine -o e.txt a.json
	run -64 "$VIZBPF" combine
}

# The func_args of f/g calls of funcargs.py in a trace, one sorted JSON object a line, in call order.
func_args_of() { # TRACE
	jq -c '[.traceEvents[] | select(.ph == "X" and (.name | test("^(f|g) \\(.*funcargs.py")))] | sort_by(.ts)[] | .args.func_args' "$1" |
		python3 -c 'import sys, json
for l in sys.stdin: print(json.dumps(json.loads(l), sort_keys=True))'
}

@test "--log_func_args: each call's arguments as the program itself shows them, both probe paths, every interpreter" {
	requires root bpf
	for py in $(pythons); do
		for lib in fast uprobe; do
			rm -f fa.json
			if [ $lib = fast ]; then
				"$VIZBPF" -q -o fa.json --log_func_args -- "$py" "$TARGETS/funcargs.py" >want.txt
			else
				VIZBPF_EVAL_LIB= "$VIZBPF" -q -o fa.json --log_func_args -- "$py" "$TARGETS/funcargs.py" >want.txt
			fi
			func_args_of fa.json >got.txt
			[ "$(wc -l <want.txt)" = 11 ] || { echo "$py: $(cat want.txt)"; return 1; }
			diff want.txt got.txt || { echo "$py ($lib): func_args differ"; return 1; }
		done
		echo "# $py: 11 calls' arguments equal the program's, fast and uprobe paths" >&3
	done
	# The filter: only g's calls get their arguments.
	"$VIZBPF" -q -o fa.json --log_func_args --log_func_args_filter '^g ' -- "$py" "$TARGETS/funcargs.py" >/dev/null
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and .args.func_args)] | length' fa.json)" = 7 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("g ")) and .args.func_args)] | length' fa.json)" = 7 ]
	run -64 "$VIZBPF" --log_func_args_filter x -c pass
	[[ $output == *"narrows --log_func_args"* ]]
	run -64 "$VIZBPF" --log_func_args --log_func_args_filter '(' -c pass
	# Without the option: no arguments.
	"$VIZBPF" -q -o fa.json -- "$py" "$TARGETS/funcargs.py" >/dev/null
	[ "$(jq '[.traceEvents[] | select(.args.func_args)] | length' fa.json)" = 0 ]
}

@test "--log_func_args in attach mode: the arguments of calls made after attach" {
	requires root bpf
	py=$(pythons | awk '{print $NF}')
	"$py" -c 'import time, sys
def work(n, name, ratio):
    return n
print("ready", flush=True)
i = 0
while True:
    work(i, "w%d" % (i % 3), i / 4)
    i += 1
    time.sleep(0.002)' >busy.out 3>&- &
	ppid=$!
	wait_for_line busy.out ready
	# Attaching can take most of a second on a loaded machine.
	run "$VIZBPF" -q -o at.json --log_func_args -p $ppid --duration 3
	kill $ppid
	[ "$status" = 0 ]
	# Every work() slice carries its arguments, consistent with one another: name and ratio
	# follow from n, as the program computes them.
	jq -c '.traceEvents[] | select(.ph == "X" and (.name | startswith("work "))) | .args.func_args' at.json >w.txt
	[ "$(wc -l <w.txt)" -gt 50 ]
	python3 -c 'import json, sys
for l in open("w.txt"):
    a = json.loads(l)
    n = int(a["n"])
    assert a["name"] == repr("w%d" % (n % 3)), a
    assert a["ratio"] == repr(n / 4), a
print(sum(1 for _ in open("w.txt")), "calls checked")'
}
