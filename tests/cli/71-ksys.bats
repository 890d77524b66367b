#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --kernel syscalls' two ways in (bpf/ktrace.bpf.h): fentry/fexit on x64_sys_call where the
# kernel allows trampolines, else the sys_enter/sys_exit tracepoints. Whichever is chosen, -v
# names it and every system call of the traced program is recorded, once.

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

# N getppid calls from Python, traced with --kernel syscalls (extra env from the caller):
# exactly N getppid slices, each inside the Python function that made it. Echoes -v's choice.
count_getppid() { # PY N
	local py=$1 n=$2
	cat >loop.py <<-'EOF2'
		import os, sys
		def step():
		    return os.getppid()
		for _ in range(int(sys.argv[1])):
		    step()
	EOF2
	"$VIZBPF" -v -o trace.json --kernel syscalls -- "$py" loop.py "$n" >traced.out 2>traced.err ||
		{ echo "$py: vizbpf exited $?: $(tail -5 traced.err)"; return 1; }
	grep -o -- "--kernel syscalls: .*" traced.err | head -1 >mechanism.txt
	[ -s mechanism.txt ] || { echo "$py: -v does not say how syscalls are traced"; return 1; }
	python3 - trace.json "$n" <<-'EOF2' || { echo "$py: $(cat mechanism.txt)"; return 1; }
		import json, sys
		ev = json.load(open(sys.argv[1]))["traceEvents"]
		n = int(sys.argv[2])
		sys_ = [e for e in ev if e.get("ph") == "X" and e.get("name") == "getppid"]
		steps = [e for e in ev if e.get("ph") == "X" and e.get("name", "").startswith("step")]
		assert len(sys_) == n, "%d getppid slices, %d calls" % (len(sys_), n)
		assert len(steps) == n, "%d step slices, %d calls" % (len(steps), n)
		inside = sum(1 for s in sys_ if any(p["tid"] == s["tid"] and p["ts"] <= s["ts"] and
		                                    s["ts"] + s["dur"] <= p["ts"] + p["dur"] for p in steps))
		assert inside == n, "%d of %d getppid slices inside a step call" % (inside, n)
	EOF2
}

@test "--kernel syscalls: every getppid recorded once, inside its Python call; -v names the mechanism" {
	local failed=0 py
	for py in $(pythons); do
		count_getppid "$py" 3000 || failed=1
		echo "# $py: $(cat mechanism.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "--kernel syscalls: VIZBPF_KSYS_TRACEPOINTS=1 forces the tracepoints, with the same result" {
	export VIZBPF_KSYS_TRACEPOINTS=1
	count_getppid /usr/bin/python3 3000
	grep -q "sys_enter/sys_exit tracepoints (VIZBPF_KSYS_TRACEPOINTS)" mechanism.txt
}
