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
	printf '[default]\nlog_print = True\n' >bad4
	for f in bad1 bad2 bad3 bad4 missing; do
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
	for o in log_func_args log_func_retval log_func_args_filter=x log_func_with_objprint \
		log_async log_print log_sparse log_torch log_var=x log_number=x log_attr=x \
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
