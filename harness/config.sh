#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# config.sh DIR FRAGMENT: tinyconfig plus FRAGMENT, then check that every
# symbol FRAGMENT sets survived olddefconfig (a dependency we forgot would
# otherwise drop it silently, and a test would skip instead of run).

set -eu

dir=$1
fragment=$(realpath "$2")

cd "$dir"
make -s tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m -O . .config "$fragment" >/dev/null
make -s olddefconfig >/dev/null

lost=
for want in $(grep '^CONFIG_' "$fragment"); do
	grep -qxF "$want" .config || lost="$lost ${want%%=*}"
done
if [ -n "$lost" ]; then
	echo "config: olddefconfig dropped:$lost" >&2
	echo "config: check their dependencies ('make menuconfig', '/' to search)" >&2
	exit 1
fi
echo "config: $(grep -c '^CONFIG_' "$fragment") fragment symbols set, $(grep -c '=y' .config) =y in all"
