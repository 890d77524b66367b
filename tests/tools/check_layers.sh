#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The layers of user/ (see user/*/README.md), checked on the #include lines:
# each folder may include headers of the folders listed after it, and no
# other folder of user/; no two modules (a .c and its .h) include each other,
# directly or around a longer circle. Headers outside user/ (bpf/, symbols/,
# export/, the generated skeletons) are for any folder of user/; symbols/ and
# export/ in turn include nothing of user/ and no libbpf.
#
# usage: check_layers.sh [ROOT]   (ROOT: the tree to check, by default this repository)
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

# Top to bottom: run drives everything, slices turns records into slices,
# probes is the BPF programs' host side, base is below all of them; view is
# apart (only run starts it); preload is loaded into the target, not vizbpf, and uses only itself.
declare -A may_include=(
	[run]="run slices probes base view"
	[slices]="slices probes base"
	[probes]="probes base"
	[view]="view base"
	[base]="base"
	[preload]="preload"
)

fail=0
complain() {
	echo "check_layers: $*" >&2
	fail=1
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

while IFS= read -r -d '' file; do
	rel=${file#user/}
	layer=${rel%%/*}
	if [[ $rel != */* || -z ${may_include[$layer]+set} ]]; then
		complain "$file: not in a layer folder of user/ (${!may_include[*]})"
		continue
	fi
	module=${file%.*}
	echo "$module $module" >>"$edges"
	while IFS= read -r inc; do
		case $inc in
		user/*/*)
			target=$inc
			;;
		user/*)
			complain "$file: #include \"$inc\": user/ headers live in a layer folder"
			continue
			;;
		*/*)
			continue # bpf/, symbols/, export/: below all of user/
			;;
		*)
			# A bare name is the including file's folder, or else from -I (bpf/, the
			# generated skeletons): those are not user/'s.
			if [[ -e user/$layer/$inc ]]; then
				target=user/$layer/$inc
			else
				other=$(cd user && find . -path ./preload -prune -o -name "$inc" -print | head -1)
				if [[ -n $other ]]; then
					complain "$file: #include \"$inc\" names user/${other#./} without its folder"
				fi
				continue
			fi
			;;
		esac
		to=${target#user/}
		to=${to%%/*}
		if [[ " ${may_include[$layer]} " != *" $to "* ]]; then
			complain "$file includes $target: $layer/ may include only from: ${may_include[$layer]:-nothing in user/}"
		fi
		[[ ${target%.*} == "$module" ]] || echo "$module ${target%.*}" >>"$edges"
	done < <(sed -n -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$file")
done < <(find user -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

# symbols/ and export/ are below all of user/, and build and unit-test without libbpf.
while IFS= read -r -d '' file; do
	while IFS= read -r inc; do
		case $inc in
		user/* | bpf/libbpf.h | bpf/bpf.h | bpf/btf.h | *.skel.h)
			complain "$file includes $inc: symbols/ and export/ use neither user/ nor libbpf"
			;;
		esac
	done < <(sed -n -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">].*/\1/p' "$file")
done < <(find symbols export -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

# tsort names the modules of each circle (one of them per line) on stderr.
if ! loops=$(tsort "$edges" 2>&1 >/dev/null); then
	complain "modules that include each other (a .c or .h including the other's .h):"
	echo "$loops" | grep -v 'input contains a loop' | sed 's/^tsort: /    /' >&2
fi

if ((fail)); then
	exit 1
fi
echo "check_layers: user/ includes only downwards, no circles; symbols/ and export/ stand alone"
