#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# `vizbpf view` and the single-file .html report, checked from the rendered page: headless
# Debian chromium (driven by tests/view/check_view.mjs through playwright-core) loads the page,
# and the assertions read the model the viewer imported and the track labels it drew, not just
# HTTP statuses. Screenshots go to .output/test-artifacts/.
#
# Needs chromium, node and tests/view/install.sh; without them the tests skip, except under
# CI=true where they fail. The real-trace tests need the tracer to work (root, BPF): same rule.

bats_require_minimum_version 1.8.0

load view_helpers

PY=${VIZBPF_TEST_PYTHON:-python3.11}

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.."
	local d=$BATS_FILE_TMPDIR
	# The real target: a recursive function on the main thread, two more on a second thread.
	cat >"$d/demo.py" <<-'EOF'
		import threading


		def fib(n):
		    return n if n < 2 else fib(n - 1) + fib(n - 2)


		def helper(x):
		    return x * 2


		def work():
		    return helper(21)


		def main():
		    t = threading.Thread(target=work, name="worker-1")
		    t.start()
		    t.join()
		    print(fib(5))


		main()
	EOF
	# One traced run per output form; a failure is kept for the tests that need it.
	local ext
	for ext in json json.gz html; do
		if ! (cd "$d" && "$VIZBPF" -o "real.$ext" -- "$PY" demo.py) \
			>"$d/trace-$ext.log" 2>&1; then
			echo "vizbpf -o real.$ext -- $PY demo.py failed: $(tail -3 "$d/trace-$ext.log")" \
				>"$d/trace-$ext.err"
		fi
	done
	python3 tests/cli/view_helpers.py small "$d/small.json" "$d/synth.py"
	python3 tests/cli/view_helpers.py small "$d/small.json.gz" "$d/synth.py"
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	D=$BATS_FILE_TMPDIR
	VIEW_PID=
}

teardown() {
	view_stop
}

# The traced run for EXT worked, or skip/fail with its error.
need_real() {
	if [[ -e $D/trace-$1.err ]]; then
		view_unavailable "$(cat "$D/trace-$1.err")" || return 1
	fi
}

# What every real trace of demo.py must show: its functions on two threads, the process named.
real_trace_drawn() {
	page_loaded
	page_draws_names "$1"
	page_is '[.processes[] | select(.name | test("demo.py"))] | length == 1' \
		"one process whose name says demo.py"
	page_is '.processes[].threads[] | select(.name == "MainThread") | .titles |
		(index(["fib ('"$D"'/demo.py:4)"]) and index(["main ('"$D"'/demo.py:16)"]))' \
		"MainThread has fib (demo.py:4) and main (demo.py:16)"
	# fib(5) recurses: nested slices, 15 calls of fib.
	page_is '.processes[].threads[] | select(.name == "MainThread") | .maxDepth >= 6' \
		"fib's recursion nests"
	page_is '[.processes[].threads[] | select(.titles | index(["work ('"$D"'/demo.py:12)"]) and
		index(["helper ('"$D"'/demo.py:8)"]))] | length == 1 and .[0].name != "MainThread"' \
		"work and helper on the second thread"
}

@test "view --once -s --port N: a real trace's functions, threads and process are drawn" {
	view_require_browser
	need_real json
	local port
	port=$(free_port)
	view_start --once --port "$port" --timeout 120 "$D/real.json"
	[[ $VIEW_URL == "http://127.0.0.1:$port/" ]]
	check_page "$VIEW_URL" --select "fib (" --screenshot "$BATS_TEST_TMPDIR/real.png"
	real_trace_drawn "$D/real.json"
	# The analysis panel shows the selected slice.
	page_is '.selected | startswith("fib (")'
	page_is '.analysis | contains("fib ('"$D"'/demo.py:4)")' "analysis panel shows the slice"
	keep_artifact "$BATS_TEST_TMPDIR/real.png" view-real.png
	# --once: the server leaves by itself, successfully, once the page has the trace.
	view_wait 20
	[[ $VIEW_STATUS -eq 0 ]]
}

@test "view --once: an empty or eventless trace is an import error and a non-zero exit" {
	view_require_browser
	local f name
	: >"$BATS_TEST_TMPDIR/empty.json"
	printf '\n  \n' >"$BATS_TEST_TMPDIR/blank.json"
	echo '{}' >"$BATS_TEST_TMPDIR/object.json"
	echo '[]' >"$BATS_TEST_TMPDIR/array.json"
	echo '{"traceEvents": []}' >"$BATS_TEST_TMPDIR/noevents.json"
	echo '{"traceEvents": [{"ph": "X", "na' >"$BATS_TEST_TMPDIR/cut.json"
	for f in empty blank object array noevents cut; do
		name=$f.json
		view_start --once --port 0 --timeout 60 "$BATS_TEST_TMPDIR/$name"
		check_page "$VIEW_URL"
		page_is '.state == "error" and (.error | startswith("Import error: "))' \
			"$name: the page says it could not import it"
		view_wait 20
		[[ $VIEW_STATUS -ne 0 ]] || { echo "$name: view --once exited 0"; return 1; }
		grep -q "could not load $name: Import error: " "$VIEW_ERR" ||
			{ echo "$name: stderr: $(cat "$VIEW_ERR")"; return 1; }
		[[ $(wc -l <"$VIEW_ERR") -eq 1 ]]
		VIEW_PID=
	done
}

@test "view: selecting a slice shows its source; /source refuses other files" {
	view_require_browser
	need_real json
	view_start --port 0 --timeout 120 "$D/real.json"
	check_page "$VIEW_URL" --select "main ($D/" --zoom --screenshot "$BATS_TEST_TMPDIR/source.png"
	page_loaded
	page_is '.source.state == "shown" and .source.shown' "source panel shown"
	page_is '.source.file == "'"$D"'/demo.py" and .source.line == 16'
	page_is '.source.currentLine == "def main():"' "the slice's line is highlighted"
	keep_artifact "$BATS_TEST_TMPDIR/source.png" view-source.png
	# Only files that slices of the served trace are named after.
	run curl -s -o /dev/null -w '%{http_code}' "${VIEW_URL}source?trace=real.json&file=/etc/passwd"
	[[ $output == 403 ]]
	run curl -s "${VIEW_URL}source?trace=real.json&file=$D/demo.py"
	[[ $output == *"def fib(n):"* ]]
}

@test "view --once: a .json.gz written by the tracer" {
	view_require_browser
	need_real json.gz
	gzip -t "$D/real.json.gz"
	view_start --once --port 0 --timeout 120 "$D/real.json.gz"
	check_page "$VIEW_URL" --screenshot "$BATS_TEST_TMPDIR/gz.png"
	real_trace_drawn "$D/real.json.gz"
	view_wait 20
	[[ $VIEW_STATUS -eq 0 ]]
}

@test "-o trace.html: the single-file report opens from file://" {
	view_require_browser
	need_real html
	check_page "file://$D/real.html" --select "fib (" --screenshot "$BATS_TEST_TMPDIR/html.png"
	report_json "$D/real.html" >"$BATS_TEST_TMPDIR/real-html.json"
	real_trace_drawn "$BATS_TEST_TMPDIR/real-html.json"
	page_is '.source.state == "unavailable"' "no server, so no source, and the panel says so"
	keep_artifact "$BATS_TEST_TMPDIR/html.png" view-report.png
}

@test "view -o: a report from a .json.gz, with '</script>' in names, opens from file://" {
	view_require_browser
	run "$VIZBPF" view -o "$BATS_TEST_TMPDIR/small.html" "$D/small.json.gz"
	[[ $status -eq 0 ]]
	# The page is self-contained: nothing is fetched from anywhere.
	run grep -c '<script src=' "$BATS_TEST_TMPDIR/small.html"
	[[ $output == 0 ]]
	check_page "file://$BATS_TEST_TMPDIR/small.html"
	page_loaded
	page_draws_names "$D/small.json"
	page_is '.trackLabels | index(["odd </script><!-- <script> thread"])' "escaped name intact"
	page_is '.sliceCount == 14'
}

@test "view DIR: the index lists the traces and opens the one clicked" {
	view_require_browser
	mkdir "$BATS_TEST_TMPDIR/traces"
	cp "$D/small.json" "$D/small.json.gz" "$BATS_TEST_TMPDIR/traces/"
	echo '{}' >"$BATS_TEST_TMPDIR/traces/notes.txt"
	view_start --once --port 0 --timeout 120 "$BATS_TEST_TMPDIR/traces"
	run curl -s "$VIEW_URL"
	[[ $output == *'href="/view/small.json"'* && $output == *'href="/view/small.json.gz"'* ]]
	[[ $output != *notes.txt* ]]
	check_page "$VIEW_URL" --click small.json.gz
	page_is '.url | endswith("/view/small.json.gz")'
	page_loaded
	page_draws_names "$D/small.json"
	page_is '.sliceCount == 14'
	view_wait 20
	[[ $VIEW_STATUS -eq 0 ]]
}

@test "view --once: a 1 M-event trace opens" {
	view_require_browser
	python3 tests/cli/view_helpers.py big "$BATS_TEST_TMPDIR/big.json" 1000000
	view_start --once --port 0 --timeout 300 "$BATS_TEST_TMPDIR/big.json"
	check_page "$VIEW_URL" --timeout 280 --screenshot "$BATS_TEST_TMPDIR/big.png"
	page_loaded
	page_is '.sliceCount == 1000000'
	page_is '.trackLabels | index(["python3 big.py (pid 1)"]) and index(["T0"]) and index(["T3"])'
	page_is '[.processes[].threads[].maxDepth] | all(. == 4)' "4-deep call trees"
	keep_artifact "$BATS_TEST_TMPDIR/big.png" view-1M.png
	view_wait 30
	[[ $VIEW_STATUS -eq 0 ]]
}

@test "-o x.html of a real 1 M-call program opens from file://" {
	view_require_browser
	need_real html
	run --separate-stderr "$VIZBPF" -o "$BATS_TEST_TMPDIR/million.html" -- \
		"$PY" tests/targets/million.py
	[[ $status -eq 0 ]] || { echo "$stderr"; return 1; }
	check_page "file://$BATS_TEST_TMPDIR/million.html" --timeout 280
	page_loaded
	page_is '.sliceCount >= 1000002' "1,000,000 leaf() calls plus main and loop"
	page_is '[.processes[].threads[] | select(.name == "MainThread") | .titles[] |
		select(startswith("leaf ("))] | length == 1'
}

@test "view: serves nothing but the viewer and the given trace" {
	ln -s /etc/passwd "$BATS_TEST_TMPDIR/evil.json"
	cp "$D/small.json" "$BATS_TEST_TMPDIR/"
	view_start --port 0 --timeout 60 "$BATS_TEST_TMPDIR"
	local u code
	for u in trace/evil.json trace/..%2Fsmall.json 'trace/%2Fetc%2Fpasswd' \
		static/../../etc/passwd static/x trace/.. view/nothing.json \
		'source?trace=small.json&file=/etc/passwd'; do
		code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$VIEW_URL$u")
		[[ $code == 403 || $code == 404 ]] || { echo "$u: $code"; return 1; }
	done
	# A page from another site that rebinds its name to 127.0.0.1 gets nothing.
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: attacker.example' \
		"${VIEW_URL}trace/small.json")
	[[ $code == 403 ]]
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$VIEW_URL")
	[[ $code == 405 ]]
	# Gzip'd traces go out as Content-Encoding: gzip, or inflated for clients without it.
	cp "$D/small.json.gz" "$BATS_TEST_TMPDIR/"
	run curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "${VIEW_URL}trace/small.json.gz"
	[[ ${output,,} == *"content-encoding: gzip"* ]]
	curl -s "${VIEW_URL}trace/small.json.gz" | jq -e '.traceEvents | length == 18'
}

@test "view: bad input is a one-line error and a non-zero exit" {
	run --separate-stderr "$VIZBPF" view -s "$BATS_TEST_TMPDIR/missing.json"
	[[ $status -ne 0 && $stderr == *"missing.json: No such file or directory"* ]]
	[[ $(wc -l <<<"$stderr") -eq 1 ]]

	echo hi >"$BATS_TEST_TMPDIR/notes.txt"
	run --separate-stderr "$VIZBPF" view -s "$BATS_TEST_TMPDIR/notes.txt"
	[[ $status -ne 0 && $stderr == *"not a .json, .json.gz or .html trace"* ]]

	run --separate-stderr env VIZBPF_VIEWER_DIR=/nonexistent "$VIZBPF" view -s "$D/small.json"
	[[ $status -ne 0 && $stderr == *"make viewer"* ]]
	[[ $(wc -l <<<"$stderr") -eq 1 ]]

	# Port in use: our own server holds it.
	view_start --port 0 --timeout 60 "$D/small.json"
	local port=${VIEW_URL##*:}
	port=${port%/}
	run --separate-stderr "$VIZBPF" view -s --port "$port" "$D/small.json"
	[[ $status -ne 0 && $stderr == *"Address already in use"* ]]
	[[ $(wc -l <<<"$stderr") -eq 1 ]]

	# --once with nobody loading the page: the timeout is an error.
	run --separate-stderr "$VIZBPF" view -s --once --port 0 --timeout 1 "$D/small.json"
	[[ $status -ne 0 && $stderr == *"timed out"* ]]

	# No xdg-open: the URL is printed for the user to open.
	run --separate-stderr env PATH=/nonexistent "$VIZBPF" view --port 0 --timeout 0.5 \
		"$D/small.json"
	[[ $status -eq 0 && $output == *"open http://127.0.0.1:"* ]]

	run --separate-stderr "$VIZBPF" view -s --port 70000 "$D/small.json"
	[[ $status -ne 0 ]]
}

@test "--kernel all: kernel slices on the threads and CPU tracks are drawn, by view and in the .html report" {
	view_require_browser
	local ext
	for ext in json html; do
		(cd "$D" && "$VIZBPF" -q -o "kernel.$ext" --kernel all -- "$PY" "$BATS_TEST_DIRNAME/../targets/kernel_io.py" /etc/hostname) \
			>"$BATS_TEST_TMPDIR/kernel-$ext.log" 2>&1 ||
			view_unavailable "vizbpf --kernel all failed: $(tail -3 "$BATS_TEST_TMPDIR/kernel-$ext.log")" || return 1
	done
	view_start --once --port 0 --timeout 120 "$D/kernel.json"
	check_page "$VIEW_URL" --screenshot "$BATS_TEST_TMPDIR/kernel.png"
	kernel_drawn
	keep_artifact "$BATS_TEST_TMPDIR/kernel.png" view-kernel.png
	view_wait 20
	[[ $VIEW_STATUS -eq 0 ]]
	check_page "file://$D/kernel.html"
	kernel_drawn
}

# A --kernel all trace of kernel_io.py: system calls and off-CPU slices nested on MainThread,
# and a CPU track per CPU whose slices name the traced program.
kernel_drawn() {
	page_loaded
	page_is '.processes[].threads[] | select(.name == "MainThread") | .titles |
		(index(["openat"]) and index(["clock_nanosleep"]) and index(["sleeping"]) and
		 (map(startswith("read_file (")) | any))' "MainThread has openat, clock_nanosleep, sleeping, read_file"
	page_is '(.cpus | length) >= 1 and (.cpus | map(.slices) | add) > 0' "CPU tracks were imported"
	page_is '[.cpus[].titles[] | select(startswith("python"))] | length > 0' "a CPU track shows the program"
	page_is '.trackLabels | map(select(test("^CPU [0-9]+"))) | length >= 1' "CPU tracks are drawn"
}
