#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# config.sh DIR FRAGMENT...: tinyconfig plus the FRAGMENTs, merged in
# order, then a check that every symbol they set survived olddefconfig (a
# dependency we forgot would otherwise drop it silently, and a test would
# skip instead of run).

set -eu

dir=$1
shift
fragments=
for f in "$@"; do
	fragments="$fragments $(realpath "$f")"
done

cd "$dir"
make -s tinyconfig >/dev/null
# shellcheck disable=SC2086
scripts/kconfig/merge_config.sh -m -O . .config $fragments >/dev/null
make -s olddefconfig >/dev/null

lost=
# shellcheck disable=SC2086
for want in $(cat $fragments | grep '^CONFIG_'); do
	grep -qxF "$want" .config || lost="$lost ${want%%=*}"
done
if [ -n "$lost" ]; then
	echo "config: olddefconfig dropped:$lost" >&2
	echo "config: check their dependencies ('make menuconfig', '/' to search)" >&2
	exit 1
fi
# shellcheck disable=SC2086
echo "config: $(cat $fragments | grep -c '^CONFIG_') fragment symbols set, $(grep -c '=y' .config) =y in all"
