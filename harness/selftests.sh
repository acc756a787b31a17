#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# selftests.sh TREE LIST OUTDIR: build the kselftests LIST names, with their
# own Makefiles in TREE, as static binaries into OUTDIR.

set -eu

tree=$(realpath "$1")
list=$(realpath "$2")
out=$(realpath "$3")

rm -rf "$out"
mkdir -p "$out"
grep -v '^#' "$list" | while read -r dir target; do
	[ -n "$dir" ] || continue
	src=$tree/tools/testing/selftests/$dir
	[ -d "$src" ] || { echo "selftests: no $src" >&2; exit 1; }
	mkdir -p "$out/$dir"
	if ! make -s -C "$src" CC="gcc -static" OUTPUT="$out/$dir" \
		KHDR_INCLUDES="-isystem $tree/usr/include" \
		"$out/$dir/$target" >"$out/$target.log" 2>&1; then
		cat "$out/$target.log" >&2
		echo "selftests: building $dir/$target failed" >&2
		exit 1
	fi
	cp "$out/$dir/$target" "$out/$target"
	echo "selftests: $dir/$target"
done
