#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --log_func_retval (issue 13): each slice's return value, as the program itself shows it.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# "name<TAB>return_value" of the r_* slices of retvals.py, in the order they ended ("-": none).
retvals_of() { # TRACE
	jq -r '[.traceEvents[] | select(.ph == "X" and (.name | test("^r_[a-z]+ \\(.*retvals.py")))] |
		sort_by(.ts + .dur)[] | "\(.name | sub(" .*"; ""))\t\(.args.return_value // "-")"' "$1"
}

@test "--log_func_retval: each return value as the program itself shows it, both probe paths, every interpreter" {
	requires root bpf
	for py in $(pythons); do
		for lib in fast uprobe; do
			rm -f rv.json
			if [ $lib = fast ]; then
				"$VIZBPF" -q -o rv.json --log_func_retval -- "$py" "$TARGETS/retvals.py" >want.txt
			else
				VIZBPF_EVAL_LIB= "$VIZBPF" -q -o rv.json --log_func_retval -- "$py" "$TARGETS/retvals.py" >want.txt
			fi
			retvals_of rv.json >got.txt
			[ "$(wc -l <want.txt)" = 42 ] || { echo "$py: $(cat want.txt)"; return 1; }
			diff want.txt got.txt || { echo "$py ($lib): return values differ"; return 1; }
		done
		echo "# $py: 42 returns' values equal the program's, fast and uprobe paths" >&3
	done
	# With --log_func_args too: both in one args object.
	"$VIZBPF" -q -o rv.json --log_func_args --log_func_retval -- "$py" "$TARGETS/retvals.py" >/dev/null
	[ "$(jq -c '[.traceEvents[] | select(.ph == "X" and (.name | startswith("r_tuple ")))][0].args' rv.json)" = \
	  '{"func_args":{"x":"<tuple of length 3>"},"return_value":"<tuple of length 3>"}' ]
	# The filter narrows it to r_int's slices.
	"$VIZBPF" -q -o rv.json --log_func_retval --log_func_args_filter '^r_int ' -- "$py" "$TARGETS/retvals.py" >/dev/null
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and .args.return_value)] | length' rv.json)" = 3 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("r_int ")) and .args.return_value)] | length' rv.json)" = 3 ]
	# Without the option: no return values.
	"$VIZBPF" -q -o rv.json -- "$py" "$TARGETS/retvals.py" >/dev/null
	[ "$(jq '[.traceEvents[] | select(.args.return_value)] | length' rv.json)" = 0 ]
}

@test "--log_func_retval deeper than the kernel's 64 return probes a thread: the fast path has every value, the uprobe path none past them" {
	requires root bpf
	py=$(pythons | awk '{print $NF}')
	"$VIZBPF" -q -o rv.json --log_func_retval -- "$py" "$TARGETS/retvals.py" 100 >want.txt
	retvals_of rv.json >got.txt
	diff want.txt got.txt
	VIZBPF_EVAL_LIB= "$VIZBPF" -q -o rv.json --log_func_retval -- "$py" "$TARGETS/retvals.py" 100 >want.txt
	retvals_of rv.json >got.txt
	# Every value written is the program's; the missing ones are r_deep's innermost calls
	# only (their returns are inferred, see the README), at most 100 - 64 + a few.
	paste want.txt got.txt | awk -F'\t' '$4 != "-" && $2 != $4 { print "differs: " $0; bad = 1 }
		$4 == "-" && $2 != "-" { missing++; if ($1 != "r_deep") { print "missing: " $0; bad = 1 } }
		END { print "# " missing+0 " values past the return probes" > "/dev/stderr"; exit bad || missing < 30 || missing > 45 }'
}

@test "--log_func_retval in attach mode: the values of returns after attach" {
	requires root bpf
	py=$(pythons | awk '{print $NF}')
	"$py" -c 'import time
def work(n):
    return ("w%d" % (n % 3), n / 4)[n % 2]
print("ready", flush=True)
i = 0
while True:
    work(i)
    i += 1
    time.sleep(0.002)' >busy.out 3>&- &
	ppid=$!
	wait_for_line busy.out ready
	run "$VIZBPF" -q -o at.json --log_func_retval -p $ppid --duration 2
	kill $ppid
	[ "$status" = 0 ]
	# Every work() slice has its value, one of the two the program returns for some n.
	jq -r '.traceEvents[] | select(.ph == "X" and (.name | startswith("work "))) | .args.return_value' at.json >w.txt
	[ "$(wc -l <w.txt)" -gt 50 ] || { echo "$(wc -l <w.txt) work() slices: $output"; return 1; }
	python3 -c 'import re
vals = [l.rstrip("\n") for l in open("w.txt")]
ok = [v for v in vals if re.fullmatch(r"'"'"'w[012]'"'"'|[0-9]+\.(0|25|5|75)", v)]
assert len(ok) == len(vals), [v for v in vals if v not in ok][:5]
print(len(vals), "returns checked")'
}
