# SPDX-License-Identifier: BSD-2-Clause
# Helpers for 40-view.bats: start `vizbpf view` in the background, load pages in headless
# chromium (tests/view/check_view.mjs), and ask jq about what the page showed.

VIEW_JS=tests/view/check_view.mjs
VIEW_ARTIFACTS=${VIZBPF_ARTIFACTS:-.output/test-artifacts}

# Fails under CI=true (everything must run there), skips with the reason elsewhere.
view_unavailable() {
	if [[ ${CI:-} == true ]]; then
		echo "$1 (CI=true: this is a failure, not a skip)" >&2
		return 1
	fi
	skip "$1"
}

# The browser side: Debian's chromium, node, and playwright-core from tests/view/install.sh.
view_require_browser() {
	[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] ||
		view_unavailable "no chromium (apt-get install chromium)" || return 1
	command -v node >/dev/null || view_unavailable "no node" || return 1
	[[ -d tests/view/node_modules/playwright-core ]] ||
		view_unavailable "playwright-core missing: run tests/view/install.sh" || return 1
}

# A TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# view_start ARGS...: runs `$VIZBPF view -s ARGS` in the background and waits for the URL it
# prints. Sets VIEW_PID, VIEW_URL, VIEW_OUT, VIEW_ERR. Fails if no URL comes within 20 s.
view_start() {
	VIEW_OUT=$BATS_TEST_TMPDIR/view.out
	VIEW_ERR=$BATS_TEST_TMPDIR/view.err
	"$VIZBPF" view -s "$@" >"$VIEW_OUT" 2>"$VIEW_ERR" 3>&- &
	VIEW_PID=$!
	local i
	for ((i = 0; i < 200; i++)); do
		VIEW_URL=$(grep -o 'http://[^ ]*' "$VIEW_OUT" 2>/dev/null | head -1)
		[[ -n $VIEW_URL ]] && return 0
		kill -0 "$VIEW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "vizbpf view $* printed no URL; stdout: $(cat "$VIEW_OUT"); stderr: $(cat "$VIEW_ERR")"
	return 1
}

# view_wait SECONDS: waits for the server started by view_start to exit; VIEW_STATUS gets its
# exit status. Fails (and kills it) if it is still running after SECONDS.
view_wait() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		if ! kill -0 "$VIEW_PID" 2>/dev/null; then
			VIEW_STATUS=0
			wait "$VIEW_PID" || VIEW_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	echo "vizbpf view still running after $1 s"
	view_stop
	return 1
}

# Stops the server started by view_start (only that pid), if it still runs.
view_stop() {
	if [[ -n ${VIEW_PID:-} ]] && kill -0 "$VIEW_PID" 2>/dev/null; then
		kill "$VIEW_PID" 2>/dev/null || true
		wait "$VIEW_PID" 2>/dev/null || true
	fi
	VIEW_PID=
}

# check_page URL [check_view.mjs options]: loads URL in headless chromium; PAGE holds the
# JSON that check_view.mjs printed (also saved as page.json in the test's tmpdir).
check_page() {
	run --separate-stderr node "$VIEW_JS" "$@"
	if [[ $status -ne 0 ]]; then
		echo "check_view.mjs $* failed ($status): $stderr"
		return 1
	fi
	PAGE=$output
	printf '%s\n' "$PAGE" >"$BATS_TEST_TMPDIR/page.json"
}

# page_is JQ-EXPR [MESSAGE]: asserts that the expression holds on PAGE; shows the page on failure.
page_is() {
	if ! jq -e "$1" >/dev/null <<<"$PAGE"; then
		echo "page check failed: ${2:-$1}"
		jq -c '{state, error, url, trackLabels, sliceCount, log}' <<<"$PAGE" 2>/dev/null ||
			echo "$PAGE"
		return 1
	fi
}

# The page state checks every trace shares: loaded, no error.
page_loaded() {
	page_is '.state == "loaded" and .error == null' "the viewer imported the trace"
}

# page_draws_names TRACE.json: every process_name and thread_name of the trace is drawn as a
# track label (processes as "NAME (pid N)"), and every thread has at least one slice.
page_draws_names() {
	local want
	want=$(gzip -dcf "$1" | jq -c '[.traceEvents[] | select(.ph == "M") |
		if .name == "process_name" then "\(.args.name) (pid \(.pid))"
		elif .name == "thread_name" then .args.name else empty end |
		gsub("\\s+"; " ") | ltrimstr(" ") | rtrimstr(" ")] | unique')
	[[ $want != "[]" ]] || { echo "no process or thread names in $1"; return 1; }
	page_is "(.trackLabels) as \$l | $want | all(. as \$n | \$l | index([\$n]))" \
		"track labels include every process and thread name of $1: $want"
}

# report_json FILE.html: prints the trace JSON inlined in a single-file report.
report_json() {
	python3 - "$1" <<-'EOF'
		import sys
		s = open(sys.argv[1], encoding="utf-8").read()
		tag = '<script type="application/json" id="vizbpf-trace">'
		i = s.index(tag) + len(tag)
		sys.stdout.write(s[i:s.index("</script>", i)])
	EOF
}

# Keeps a screenshot of a test as an artefact (.output/test-artifacts/NAME.png).
keep_artifact() {
	mkdir -p "$VIEW_ARTIFACTS"
	cp "$1" "$VIEW_ARTIFACTS/$2"
}
