#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# The kernel types cut out of the kernel's BTF for the tracer's CO-RE relocations
# (user/probes/kbtf.c), as root with the real BPF programs: libbpf finds in them the offsets
# it finds in the kernel's whole BTF, they are cut once and then read from the cache, and a
# damaged or unwritable cache still traces.

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

# libbpf's CO-RE lines for the tracer's and the process watcher's programs (-vv), sorted: each relocation, the field it
# resolved to, the instruction patched and how.
relocations() { # CACHE_DIR OUT
	VIZBPF_CACHE_DIR=$1 "$VIZBPF" -vv --kernel all --log_gc --log_exception --log_audit \
		--log_print -o "$2.json" -- /usr/bin/python3.11 -c 'print(6 * 7)' >"$2.out" 2>"$2.err" ||
		{ echo "vizbpf (cache $1) failed: $(tail -5 "$2.err")"; return 1; }
	grep -E "^libbpf: prog '[a-z_0-9]+': relo #[0-9]+: " "$2.err" | grep -v candidate | sort
}

@test "kernel types: the cut gives libbpf the offsets the kernel's whole BTF gives" {
	relocations "$BATS_TEST_TMPDIR/cache" cut >cut.txt
	grep -q "kernel types: [0-9]* of them cut into $BATS_TEST_TMPDIR/cache/" cut.err ||
		{ echo "the cut was not used: $(grep 'kernel types' cut.err)"; return 1; }
	relocations none whole >whole.txt
	! grep -q "kernel types" whole.err
	local n
	n=$(grep -c "patched insn" cut.txt)
	[ "$n" -ge 100 ] || { echo "only $n relocations patched: $(head cut.txt)"; return 1; }
	diff cut.txt whole.txt || { echo "relocations differ (< cut, > the kernel's BTF)"; return 1; }
	[ "$(cat cut.out)" = 42 ] && [ "$(cat whole.out)" = 42 ]
	echo "# $n instructions patched alike" >&3
}

@test "kernel types: cut once, then read from the cache; a damaged cache file is cut again" {
	local cache=$BATS_TEST_TMPDIR/cache file files
	VIZBPF_CACHE_DIR=$cache vizbpf -v -o a.json -- /usr/bin/python3.11 -c 'print(6 * 7)'
	[ "$status" -eq 0 ]
	# one file per BPF object: the tracer's and the process watcher's
	files=$(ls "$cache"/kernel-types-*.btf)
	[ "$(echo "$files" | wc -l)" = 2 ] || { echo "cache: $files"; return 1; }
	for file in $files; do
		[[ $output == *"of them cut into $file"* ]]
		[ "$(stat -c %a "$file")" = 644 ]
	done
	VIZBPF_CACHE_DIR=$cache vizbpf -v -o b.json -- /usr/bin/python3.11 -c 'print(6 * 7)'
	[ "$status" -eq 0 ]
	for file in $files; do
		[[ $output == *"kernel types: $file (cached)"* ]]
		head -c 100 "$file" >cut-short
		cp cut-short "$file"
	done
	VIZBPF_CACHE_DIR=$cache vizbpf -v -o c.json -- /usr/bin/python3.11 -c 'print(6 * 7)'
	[ "$status" -eq 0 ]
	for file in $files; do
		[[ $output == *"of them cut into $file"* ]]
	done
	[[ $output != *libbpf* ]]
	[ "$(jq '[.traceEvents[] | select(.ph == "X")] | length' c.json)" -gt 1000 ]
	cmp -s <(jq -c '[.traceEvents[] | select(.ph == "X") | .name] | sort' b.json) \
		<(jq -c '[.traceEvents[] | select(.ph == "X") | .name] | sort' c.json)
}

@test "kernel types: where the cache cannot be written they are cut for this run only" {
	VIZBPF_CACHE_DIR=/dev/null/cache vizbpf -v -o a.json -- /usr/bin/python3.11 -c 'print(6 * 7)'
	[ "$status" -eq 0 ]
	[[ $output == *"cannot cache them in /dev/null/cache"* ]]
	[[ $output == *"of them cut into /proc/self/fd/"* ]]
	[ "$(jq '[.traceEvents[] | select(.ph == "X")] | length' a.json)" -gt 1000 ]
}
