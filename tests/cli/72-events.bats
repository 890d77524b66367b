#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# GC, exceptions, audit and custom events merged into the timeline, on every interpreter
# present, as root with the real BPF programs. Each is checked against what the program itself
# saw (gc.callbacks, its own counts), printed as JSON on its last line of output.

load helpers
load view_helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

# The first and the last interpreter present (Debian's python3.11 and the newest pyenv): for
# what does not depend on the probing mode, checked on every interpreter launched, the attach
# and --all runs are kept to these two (the CI time budget).
pythons_ends() {
	pythons | awk '{print $1; if (NF > 1) print $NF}'
}

# Launches TARGET under PY with vizbpf OPTIONS, then runs CHECKER on the trace and the program's
# last line of output.
launch_and_check() { # PY CHECKER TARGET OPTIONS...
	local py=$1 checker=$2 target=$3
	shift 3
	"$VIZBPF" -q -o trace.json "$@" -- "$py" "$target" >out.txt 2>vz.err ||
		{ echo "$py: vizbpf exited $?: $(cat vz.err)"; return 1; }
	python3 "$TOOLS/$checker" trace.json "$(tail -1 out.txt)" >check.txt ||
		{ echo "$py: $(cat check.txt)"; return 1; }
	echo "# $py: $(cat check.txt)" >&3
}

# Attaches to TARGET GO_FILE under PY once it is ready, lets it run, detaches, checks.
attach_and_check() { # PY CHECKER TARGET OPTIONS...
	local py=$1 checker=$2 target=$3 go="$BATS_TEST_TMPDIR/go"
	shift 3
	rm -f "$go" "$go.end" out.txt vz.err trace.json
	"$py" "$target" "$go" >out.txt 2>&1 3>&- &
	local ppid=$!
	wait_for_line out.txt ready || { kill $ppid; echo "$py: not ready"; return 1; }
	"$VIZBPF" -o trace.json "$@" -p $ppid 2>vz.err 3>&- &
	local vpid=$!
	wait_for_line vz.err "tracing" || { kill $vpid $ppid; echo "$py: $(cat vz.err)"; return 1; }
	touch "$go"
	wait_for_line out.txt '^\[' || { kill $vpid $ppid; echo "$py: no result"; return 1; }
	kill -TERM $vpid
	wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; kill $ppid; return 1; }
	touch "$go.end"
	wait $ppid || { echo "$py: the program failed after detach: $(cat out.txt)"; return 1; }
	python3 "$TOOLS/$checker" trace.json "$(tail -1 out.txt)" >check.txt ||
		{ echo "$py: $(cat check.txt)"; return 1; }
	echo "# $py (attached): $(cat check.txt)" >&3
}

@test "--log_gc, launch: gc.collect(0), gc.collect(2) and an automatic collection as gc slices with gc.callbacks' counts, __del__ nested" {
	local failed=0 py
	for py in $(pythons); do
		launch_and_check "$py" gccheck.py "$TARGETS/gc_events.py" --log_gc || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--log_gc, launch without the preloaded evaluator (every interpreter) and attached: the same" {
	local failed=0 py
	for py in $(pythons); do
		VIZBPF_EVAL_LIB= launch_and_check "$py" gccheck.py "$TARGETS/gc_events.py" --log_gc ||
			failed=1
	done
	for py in $(pythons_ends); do
		attach_and_check "$py" gccheck.py "$TARGETS/gc_events.py" --log_gc || failed=1
	done
	[ "$failed" = 0 ]
}

@test "without --log_gc: no gc slice, no gc counter" {
	local py
	py=$(pythons | awk '{print $NF}')
	vizbpf -q -o trace.json -- "$py" "$TARGETS/gc_events.py"
	[ "$status" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "gc" or .name == "garbage collection")] | length' trace.json)" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "FEE" and (.name | startswith("collect_gen0")))] | length' trace.json)" = 1 ]
}

@test "--log_exception: raised-and-caught (here, callers up, from C, re-raised) and uncaught exceptions, each once where raised" {
	local failed=0 py rc
	for py in $(pythons); do
		rc=0
		"$VIZBPF" -q -o trace.json --log_exception -- "$py" "$TARGETS/exceptions.py" \
			>out.txt 2>err.txt || rc=$?
		[ $rc = 1 ] || { echo "$py: exit status not the program's 1: $(cat err.txt)"; failed=1; continue; }
		grep -q '^RuntimeError: the end' err.txt || { echo "$py: no traceback"; failed=1; }
		python3 "$TOOLS/exccheck.py" trace.json "$(grep '^\[' err.txt)" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py: $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "--log_exception, attached: the same exceptions" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons_ends); do
		rm -f "$go" err.txt trace.json out.txt vz.err
		"$py" "$TARGETS/exceptions.py" "$go" >out.txt 2>err.txt 3>&- &
		local ppid=$!
		wait_for_line out.txt ready || { kill $ppid; failed=1; continue; }
		"$VIZBPF" -o trace.json --log_exception -p $ppid 2>vz.err 3>&- &
		local vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid $ppid; failed=1; continue; }
		touch "$go"
		wait $ppid || true # the uncaught exception: status 1
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/exccheck.py" trace.json "$(grep '^\[' err.txt)" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py (attached): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "without --log_exception: no exception instants" {
	local py
	py=$(pythons | awk '{print $1}')
	run "$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/exceptions.py"
	[ "$status" = 1 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "exception")] | length' trace.json)" = 0 ]
}

EVENTS_DIR=$REPO/.output/share

# Runs custom_events.py under PY (launched; extra vizbpf options in the environment's mode) and
# checks the trace against what it says it emitted.
custom_launch() { # PY
	local py=$1
	"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/custom_events.py" "$EVENTS_DIR" >out.txt 2>vz.err ||
		{ echo "$py: vizbpf exited $?: $(cat vz.err)"; return 1; }
	python3 "$TOOLS/customcheck.py" trace.json "$(tail -1 out.txt)" >check.txt ||
		{ echo "$py: $(cat check.txt)"; return 1; }
	echo "# $py${VIZBPF_EVAL_LIB+ (fallback)}: $(cat check.txt)" >&3
}

@test "custom events (share/vizbpf_events.py), launch and fallback: instants, counters and spans as emitted, with their values" {
	local failed=0 py
	[ -f "$EVENTS_DIR/vizbpf_events.py" ] || { echo "make did not install vizbpf_events.py"; return 1; }
	for py in $(pythons); do
		custom_launch "$py" || failed=1
		VIZBPF_EVAL_LIB= custom_launch "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "custom events, attached" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons_ends); do
		rm -f "$go" trace.json out.txt vz.err
		"$py" "$TARGETS/custom_events.py" "$EVENTS_DIR" "$go" >out.txt 2>&1 3>&- &
		local ppid=$!
		wait_for_line out.txt ready || { kill $ppid; failed=1; continue; }
		"$VIZBPF" -o trace.json -p $ppid 2>vz.err 3>&- &
		local vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid $ppid; failed=1; continue; }
		touch "$go"
		wait $ppid || { echo "$py: the program failed: $(cat out.txt)"; failed=1; }
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/customcheck.py" trace.json "$(tail -1 out.txt)" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py (attached): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "custom events: the module runs under plain Python, without vizbpf" {
	local py
	for py in $(pythons); do
		"$py" "$TARGETS/custom_events.py" "$EVENTS_DIR" >out.txt
		grep -q '"spans"' out.txt
	done
}

AUDIT_RE=('open$' 'socket\.__new__' 'myapp\.')

@test "--log_audit REGEX...: open(), socket and sys.audit('myapp.event', 1, 'x') as audit instants with their args, only matching ones" {
	local failed=0 py
	for py in $(pythons); do
		"$VIZBPF" -q -o trace.json --log_audit "${AUDIT_RE[@]}" -- "$py" "$TARGETS/audit_events.py" \
			>out.txt 2>vz.err || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/auditcheck.py" trace.json "$(tail -1 out.txt)" "${AUDIT_RE[@]}" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py: $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "--log_audit, attached, no regex: every event, the program's among them" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons_ends); do
		rm -f "$go" trace.json out.txt vz.err
		"$py" "$TARGETS/audit_events.py" "$go" >out.txt 2>&1 3>&- &
		local ppid=$!
		wait_for_line out.txt ready || { kill $ppid; failed=1; continue; }
		"$VIZBPF" -o trace.json --log_audit -p $ppid 2>vz.err 3>&- &
		local vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid $ppid; failed=1; continue; }
		touch "$go"
		wait $ppid || { echo "$py: the program failed: $(cat out.txt)"; failed=1; }
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/auditcheck.py" trace.json "$(tail -1 out.txt)" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py (attached): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "without --log_audit: no audit instant; a bad regex is refused" {
	local py
	py=$(pythons | awk '{print $1}')
	vizbpf -q -o trace.json -- "$py" "$TARGETS/audit_events.py"
	[ "$status" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "instant")] | length' trace.json)" = 0 ]
	vizbpf -q -o bad.json --log_audit '(' -- "$py" -c pass
	[ "$status" = 64 ]
	[[ $output == *"--log_audit '(': not a valid regular expression"* ]]
	[ ! -e bad.json ]
}

@test "--all --comm with every event option: custom events exact, gc, exceptions and audit events present, the trace nests" {
	local failed=0 py vpid
	for py in $(pythons_ends); do
		printf '#!%s\n' "$py" >vzev_all
		cat "$TARGETS/custom_events.py" >>vzev_all
		chmod +x vzev_all
		rm -f trace.json
		"$VIZBPF" -o trace.json --all --comm vzev_all --log_gc --log_exception --log_audit \
			2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid; failed=1; continue; }
		./vzev_all "$EVENTS_DIR" >out.txt 2>&1 || { echo "$py: $(cat out.txt)"; failed=1; }
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/customcheck.py" trace.json "$(tail -1 out.txt)" >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		# interpreter start-up alone collects, raises (imports) and audits (open)
		for cat in gc exception; do
			[ "$(jq --arg c $cat '[.traceEvents[] | select(.cat == $c)] | length' trace.json)" -gt 0 ] ||
				{ echo "$py: no $cat event"; failed=1; }
		done
		[ "$(jq '[.traceEvents[] | select(.cat == "instant" and .name == "open")] | length' trace.json)" -gt 0 ] ||
			{ echo "$py: no audit event"; failed=1; }
		python3 "$TOOLS/calltree.py" trace.json - - --check-only >nest.txt ||
			{ echo "$py: $(cat nest.txt)"; failed=1; }
		echo "# $py (--all): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "the trace with every kind of event opens in the viewer, counters drawn" {
	local py t="$BATS_TEST_TMPDIR/all.json"
	cd "$REPO"
	view_require_browser
	py=$(pythons | awk '{print $NF}')
	"$VIZBPF" -q -o "$t" --log_gc --log_exception --log_audit -- "$py" \
		"$TARGETS/custom_events.py" "$EVENTS_DIR" >/dev/null
	view_start --once --port 0 --timeout 60 "$t"
	check_page "$VIEW_URL"
	page_loaded
	page_is '.trackLabels | index("garbage collection:") != null' "the gc counter is drawn"
	page_is '.trackLabels | index("progress:") != null' "the custom counter is drawn"
	view_wait 20
	[ "$VIEW_STATUS" = 0 ]
}
