#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Never lose or damage the user's data (issue #12): a trace appears under its name only when
# complete; a failed run, a full disk or a killed vizbpf leaves what was there; symlinks at the
# name are not followed; the program's exit status survives a failed write.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	echo "an older trace" > t.json
}

teardown() {
	if mountpoint -q "$BATS_TEST_TMPDIR/small" 2>/dev/null; then
		umount "$BATS_TEST_TMPDIR/small"
	fi
}

# A tmpfs of 64 KiB (OPTS: extra mount options), for a full disk.
small_disk() {
	mkdir -p small
	mount -t tmpfs -o "size=64k${1:+,$1}" tmpfs small
}

# Calls enough to fill 64 KiB many times over, then exits 7.
CALLS='import sys
def f(): pass
for _ in range(200000): f()
sys.exit(7)'

unchanged() { # FILE
	[ "$(cat "$1")" = "an older trace" ]
}

@test "a failed launch keeps an existing output file and says so" {
	requires root bpf
	run -127 "$VIZBPF" -o t.json -- /no/such/python
	unchanged t.json
	[[ ${lines[1]} == "vizbpf: t.json left as it was" ]]
	run -1 "$VIZBPF" -o t.json -- /bin/true
	unchanged t.json
	[[ ${lines[1]} == "vizbpf: t.json left as it was" ]]
	[ "$(ls -A | sort | tr '\n' ' ')" = "t.json " ] # no temporary left behind
}

@test "a bad -p keeps an existing output file" {
	requires root bpf
	sleep 30 &
	local pid=$!
	run -1 "$VIZBPF" -o t.json -p "$pid"
	kill "$pid"
	unchanged t.json
	[[ $output == *"vizbpf: t.json left as it was"* ]]
}

@test "a full disk: the older trace stays, the error is said, the exit status is the program's" {
	requires root bpf
	local py out
	small_disk
	for py in $(pythons); do
		for out in small/t.json small/t.json.gz; do
			echo "an older trace" > "$out"
			run -7 "$VIZBPF" -o "$out" -- "$py" -c "$CALLS"
			echo "# $py $out: $output" >&3
			unchanged "$out"
			[[ $output == *"vizbpf: writing $out failed: No space left on device; $out left as it was"* ]]
			[ "$(ls -A small | wc -l)" = 1 ] # no temporary left behind
			rm "$out"
		done
	done
}

@test "an .html report that does not fit: refused before the program runs, the older one kept" {
	requires root bpf
	[ -e "$(dirname "$VIZBPF")/share/viewer/trace_viewer_full.html" ] ||
		skip "viewer files not built (make viewer)"
	small_disk
	echo "an older trace" > small/t.html
	run -1 "$VIZBPF" -o small/t.html -- python3 -c 'open("ran", "w")'
	[[ $output == "vizbpf: cannot write small/t.html: No space left on device" ]]
	unchanged small/t.html
	[ ! -e ran ]
	[ "$(ls -A small | wc -l)" = 1 ]
}

@test "a killed vizbpf leaves the older trace, not a truncated one" {
	requires root bpf
	local vz pypid
	"$VIZBPF" -q -o t.json -- python3 -c 'import os, time
def f(): pass
with open("started", "w") as s: s.write("%d\n" % os.getpid())
end = time.time() + 3
while time.time() < end: f()' &
	vz=$!
	wait_for_line started '[0-9]'
	pypid=$(cat started)
	sleep 1 # past the first ~1 MiB handed to the file
	kill -KILL "$vz"
	wait "$vz" || true
	while kill -0 "$pypid" 2>/dev/null; do sleep 0.1; done
	unchanged t.json
}

@test "-o does not follow a symlink at the name" {
	requires root bpf
	rm t.json
	echo "not yours" > victim
	ln -s victim t.json
	run -1 "$VIZBPF" -o t.json -- /bin/true
	[ "$(cat victim)" = "not yours" ]
	run -0 "$VIZBPF" -q -o t.json -- python3 -c pass
	[ "$(cat victim)" = "not yours" ]
	[ ! -L t.json ]
	jq -e '.traceEvents | length > 0' t.json
}

@test "under sudo the trace belongs to the invoking user" {
	requires root bpf
	local out
	for out in t.json t.json.gz; do
		rm -f "$out"
		SUDO_UID=65534 SUDO_GID=65534 run -0 "$VIZBPF" -q -o "$out" -- python3 -c pass
		[ "$(stat -c %u:%g "$out")" = 65534:65534 ]
	done
	run -0 "$VIZBPF" -q -o t.json -- python3 -c pass
	[ "$(stat -c %u:%g t.json)" = 0:0 ] # a plain root run stays root's
}

@test "--pid_suffix with an unwritable per-process file: one error line per file" {
	requires root bpf
	small_disk nr_inodes=1 # the folder is writable, but no file can be created in it
	run -0 "$VIZBPF" --pid_suffix -o small/t.json -- python3 -c '
def f(): pass
for _ in range(1000): f()'
	echo "# $output" >&3
	[ "$(grep -c "cannot write small/t_[0-9]*.json: No space left on device" <<<"$output")" = 1 ]
}
