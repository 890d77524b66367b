#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# usage: embed.sh NAME FILE > HEADER
#
# Writes FILE (a page script or style) as a C header holding
# `static const char NAME[]`, a string of its bytes, so vizbpf needs no file beside it.
# Lines that are only a comment (// ... in a script, /* ... */ on one line in a
# style) are left out: they are for the file's readers, and the page keeps the
# bytes it had when the script and style were C strings without them.
set -euo pipefail

name=$1
file=$2
echo "/* Generated from $file by export/page/embed.sh: do not edit. */"
echo "static const char $name[] ="
sed -E '/^[[:space:]]*\/\//d; /^[[:space:]]*\/\*.*\*\/[[:space:]]*$/d' "$file" |
	od -An -v -tx1 | sed -E 's/ ([0-9a-f]{2})/\\x\1/g; s/^/\t"/; s/$/"/'
printf '\t"";\n'
