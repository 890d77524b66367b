#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The command line, without root or BPF.

load helpers

@test "--help describes the launch form and exits 0" {
	run -0 "$VIZBPF" --help
	[[ $output == *"-- PROGRAM"* ]]
	[[ $output == *"--output_file"* ]]
}

@test "--version prints the version" {
	run -0 "$VIZBPF" --version
	[[ $output == "vizbpf $(cat "$REPO/VERSION")" ]]
}

@test "an unknown option is a usage error (64)" {
	run -64 "$VIZBPF" --no-such-option -- python3 -c pass
	[[ $output == *"unrecognized option"* ]]
}

@test "no program is a usage error (64)" {
	run -64 "$VIZBPF" -o x.json
	[[ $output == *"no program given"* ]]
}

@test "a VizTracer option vizbpf cannot honour is refused, not ignored" {
	run -64 "$VIZBPF" --log_func_with_objprint -- python3 -c pass
	[[ $output == *"'--log_func_with_objprint' is not supported"* ]]
	run -64 "$VIZBPF" --log_torch -- python3 -c pass
	[[ $output == *"'--log_torch' is not supported"* ]]
}

@test "--buffer_size must be a power of two" {
	run -64 "$VIZBPF" --buffer_size 3 -- python3 -c pass
	[[ $output == *"power of two"* ]]
}
