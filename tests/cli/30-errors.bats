#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Bad input: a clear one-line error and a non-zero exit.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "a program that is not Python" {
	requires root bpf
	run -1 "$VIZBPF" -o t.json -- /bin/true
	[[ $output == "vizbpf: '/bin/true' exited (status 0) without running a CPython interpreter" ]]
	[ ! -e t.json ]
}

@test "a program that does not exist" {
	requires root
	run -127 "$VIZBPF" -o t.json -- /no/such/python
	[[ $output == "vizbpf: cannot run '/no/such/python': No such file or directory" ]]
}

@test "an unsupported interpreter is named" {
	requires root bpf
	local root found=0 py
	root=$(pyenv_root)
	for py in "$root"/versions/2.7*/bin/python2.7 "$root"/versions/3.6*/bin/python3.6 "$root"/versions/3.7*/bin/python3.7; do
		[ -x "$py" ] || continue
		found=1
		run -1 "$VIZBPF" -o t.json -- "$py" -c pass
		[[ $output =~ "CPython "(2.7|3.6|3.7)" is not supported (supported: 3.8-3.13)" ]]
	done
	[ "$found" = 1 ] || skip "no CPython 2.7/3.6/3.7 installed"
}

@test "an unwritable output path fails before the program runs" {
	requires root
	run -1 "$VIZBPF" -o /no/such/dir/t.json -- python3 -c 'open("ran", "w")'
	[[ $output == "vizbpf: cannot write /no/such/dir/t.json: No such file or directory" ]]
	[ ! -e ran ]
}

@test "without privileges: a one-line error" {
	requires root
	command -v setpriv >/dev/null || skip "setpriv missing"
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups "$VIZBPF" -o /tmp/t.json -- python3 -c pass
	[[ $output == *"needs root"* ]]
}

@test "options out of range are refused while parsing, with the range" {
	local d
	for d in inf -inf nan 1e308 0 -1; do
		run -64 "$VIZBPF" --duration "$d" -p 1
		[[ ${lines[0]} == "vizbpf: invalid --duration '$d' (seconds: a number > 0 and at most 1e+09)" ]]
	done
	run -64 "$VIZBPF" --buffer_size 4096 -- python3 -c pass
	[[ ${lines[0]} == "vizbpf: invalid number '4096' (expected 1..2048)" ]]
}

@test "an output name whose kind vizbpf cannot write is refused before anything runs" {
	local o
	for o in t.txt t.bz2 t.gz t; do
		run -64 "$VIZBPF" -o "$o" -- python3 -c 'open("ran", "w")'
		[[ ${lines[0]} == "vizbpf: -o '$o': the name must end in .json, .json.gz or .html" ]]
		[ ! -e ran ] && [ ! -e "$o" ]
	done
}
