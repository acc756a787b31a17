#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# config.sh DIR BASE FRAGMENT...: BASE (tinyconfig, or a config file such
# as Debian's, xz-compressed or not) plus the FRAGMENTs, merged in order,
# then a check that every symbol they set survived olddefconfig (a
# dependency we forgot would otherwise drop it silently, and a test would
# skip instead of run). A symbol set twice is checked for its last value.
# The environment may give make's ARCH or LLVM: the variant's compiler
# decides what Kconfig offers.

set -eu

dir=$1
base=$2
shift 2
fragments=
for f in "$@"; do
	fragments="$fragments $(realpath "$f")"
done

die() { echo "config: $*" >&2; exit 1; }

if [ "$base" != tinyconfig ]; then
	[ -r "$base" ] || die "no base config $base (Debian's: apt-get install linux-config-6.1)"
	base=$(realpath "$base")
fi

cd "$dir"
case $base in
tinyconfig) make -s tinyconfig >/dev/null ;;
*.xz)	xz -dc "$base" >.config ;;
*)	cp "$base" .config ;;
esac
# shellcheck disable=SC2086
scripts/kconfig/merge_config.sh -m -O . .config $fragments >/dev/null
make -s olddefconfig >/dev/null

# Each symbol's last setting in the fragments, as olddefconfig writes it.
# shellcheck disable=SC2086
wanted=$(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p; /^CONFIG_/p' $fragments |
	awk -F= '{ last[$1] = $0; if (!($1 in seen)) order[n++] = $1; seen[$1] = 1 }
		END { for (i = 0; i < n; i++) print last[order[i]] }')
lost=
for want in $wanted; do
	case $want in
	*=n)	! grep -q "^${want%=n}=" .config ;;
	*)	grep -qxF "$want" .config ;;
	esac || lost="$lost ${want%%=*}"
done
if [ -n "$lost" ]; then
	echo "config: olddefconfig dropped:$lost" >&2
	echo "config: check their dependencies ('make menuconfig', '/' to search)" >&2
	exit 1
fi
echo "config: $(basename "$base") plus $(echo "$wanted" | wc -w) fragment symbols, $(grep -c '=y' .config) =y in all"
