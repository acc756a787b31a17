#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# builds.sh OUT [CHECK...]: the builds a maintainer runs on the series
# before taking it (or only the CHECKs named: bisect w1-sparse i386 vdso
# distro), each one a kernel variant of the same phases (make VARIANT=NAME, see
# the Makefile), with one KTAP line each in OUT (harness/report.sh's
# framing):
#
#   bisect   every prefix of the series applies, builds with the test
#            configuration and boots to init: one tree, one patch less
#            each time, so only what a patch touches is rebuilt
#   W=1      the objects the series touches get no warning from gcc's W=1
#   sparse   or from sparse (C=2) that the base's do not have
#   i386     the whole series builds for 32-bit x86, where VM_DROPPABLE is
#            VM_NONE and there is no vDSO getrandom()
#   vDSO     arch/x86/entry/vdso/ builds and links with clang under KMSAN,
#            KASAN and KCSAN (with UBSAN and KCOV where they combine)
#   distro   with Debian's amd64 configuration, what the series touches
#            (the 64-bit, x32 and 32-bit vDSOs with it) builds with no
#            warning the base does not have
#
# Every make's output is kept in build/lint/NAME.log.

set -u

out=$(realpath "$1")
shift
checks=${*:-bisect w1-sparse i386 vdso distro}
run=
for check in $checks; do
	case $check in
	bisect)		run="$run lint_bisect" ;;
	w1-sparse)	run="$run lint_w1_sparse" ;;
	i386)		run="$run lint_i386" ;;
	vdso)		run="$run lint_vdso_sanitizers" ;;
	distro)		run="$run lint_distro" ;;
	*)		echo "builds: no check $check (bisect w1-sparse i386 vdso distro)" >&2; exit 2 ;;
	esac
done
make=${MAKE:-make}
harness=$(dirname "$(realpath "$0")")
repo=$(dirname "$harness")
logs=$(dirname "$out")
work=$logs/builds
. "$harness/ktap.sh"

cd "$repo"
rm -rf "$work"
mkdir -p "$work"

patches=$(grep -v '^#' patches/series)
total=$(echo "$patches" | wc -l)

# phases VARIANT K GOAL...: the make phases GOAL of VARIANT with the first
# K patches of the series applied; output to build/lint/VARIANT.log.
phases() {
	variant=$1
	prefix=$work/series-$variant
	echo "$patches" | head -n "$2" | sed "s|^|$repo/patches/|" >"$prefix"
	shift 2
	echo "== make $* VARIANT=$variant SERIES=$(basename "$prefix") ($(wc -l <"$prefix") patches)" \
		>>"$logs/$variant.log"
	$make --no-print-directory "$@" VARIANT="$variant" SERIES="$prefix" \
		>>"$logs/$variant.log" 2>&1
}

# failure VARIANT: the first compiler errors and the last lines of its
# log, for the "not ok" line.
failure() {
	{
		grep -E ': (fatal )?error:' "$logs/$1.log" | head -n 5
		grep -v '^==>' "$logs/$1.log" | tail -n 3
		echo "full log: ${logs#"$repo"/}/$1.log"
	} >"$work/why"
	echo "$work/why"
}

# An initramfs of init alone: the kernel boots to it, it waits for the
# CRNG, finds no test and powers off.
init_cpio() {
	root=$work/root
	mkdir -p "$root/tests" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
	cp build/init "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/init.cpio"
}

lint_bisect() {
	init_cpio
	: >"$logs/bisect.log"
	# Downwards from the whole series (what the test kernel is, so ccache
	# has most of it): each step takes one patch off.
	k=$total
	while [ "$k" -ge 1 ]; do
		p=$(echo "$patches" | sed -n "${k}p")
		if ! phases bisect "$k" apply config build; then
			result FAIL "bisect: $p: applies and builds after the $((k - 1)) before it" \
				"$(failure bisect)"
		elif ! BOOT_TIMEOUT=600 sh harness/boot.sh build/bisect/linux/arch/x86/boot/bzImage \
			"$work/init.cpio" "$work/boot-$k" >>"$logs/bisect.log" 2>&1; then
			result FAIL "bisect: $p: the kernel boots to init" "$(failure bisect)"
		else
			result OK "bisect: $p: applies, builds and boots to init"
		fi
		k=$((k - 1))
	done
}

# warnings VARIANT ARGS TARGET...: build the TARGETs with make's ARGS with
# the series and with the base, and write to $work/new-VARIANT the warnings
# the series brings (file and message, no line numbers: code moved down a
# file is no new warning). Fails if a build fails.
warnings() {
	variant=$1 args=$2
	shift 2
	for state in series base; do
		k=$total
		[ $state = base ] && k=0
		targets=
		for t in "$@"; do
			# an object of a file the base does not have yet
			case $t in *.o) [ $state = base ] && ! git -C build/linux cat-file -e "base:${t%.o}.c" 2>/dev/null &&
				continue ;; esac
			targets="$targets $t"
		done
		phases "$variant" "$k" apply config build GOAL="$targets" BUILD_ARGS="$args" || return 1
		sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: \(warning\|error\): /\1: \2: /p' \
			"build/$variant/linux/build.log" | sort -u >"$work/$variant-$state"
	done
	comm -13 "$work/$variant-base" "$work/$variant-series" >"$work/new-$variant"
	# leave the tree with the whole series
	phases "$variant" "$total" apply config
}

# The objects of the C files the series touches that the test kernel
# builds (lib/vdso/getrandom.c is compiled as part of vgetrandom.o).
touched_objects() {
	git -C build/linux diff --name-only --diff-filter=AM base HEAD -- '*.c' |
		grep -v '^tools/' | sed 's/\.c$/.o/' | while read -r o; do
		[ -e "build/bisect/linux/$o" ] && echo "$o"
	done
}

lint_w1_sparse() {
	objects=$(touched_objects)
	# shellcheck disable=SC2086
	if ! warnings bisect "W=1 C=2" $objects; then
		result FAIL "W=1 and sparse: the series' objects build" "$(failure bisect)"
		return
	fi
	grep '\[-W' "$work/new-bisect" >"$work/w1"
	grep -v '\[-W' "$work/new-bisect" >"$work/sparse"
	for kind in w1 sparse; do
		name="W=1: no new gcc warning in $(echo $objects | wc -w) objects the series touches"
		[ $kind = sparse ] && name="sparse (C=2): no new warning in them"
		if [ -s "$work/$kind" ]; then
			result FAIL "$name" "$work/$kind"
		else
			result OK "$name"
		fi
	done
}

lint_i386() {
	: >"$logs/i386.log"
	if phases i386 "$total" apply config build; then
		result OK "i386: the series builds a 32-bit kernel"
	else
		result FAIL "i386: the series builds a 32-bit kernel" "$(failure i386)"
	fi
}

lint_vdso_sanitizers() {
	for v in kmsan kasan kcsan; do
		: >"$logs/$v.log"
		name="vDSO: arch/x86/entry/vdso/ links under clang with $(sed -n 's/^CONFIG_\([KU][A-Z]*SAN\|KCOV\)=y$/\1/p' \
			"harness/$v.config" | tr '\n' ' ' | sed 's/ $//; s/ /, /g')"
		if phases "$v" "$total" apply config build; then
			result OK "$name"
		else
			result FAIL "$name" "$(failure $v)"
		fi
	done
}

# What the series touches, as Debian builds it: mm/ and fs/ include mm.h,
# the vDSOs and random.c are the getrandom() side.
DISTRO_TARGETS="mm/ lib/vdso/ arch/x86/entry/vdso/ drivers/char/random.o kernel/fork.o
fs/proc/ fs/exec.o fs/userfaultfd.o"

lint_distro() {
	: >"$logs/distro.log"
	name="distro: with Debian's config, $(echo $DISTRO_TARGETS | sed 's/ /, /g') build with no new warning"
	# shellcheck disable=SC2086
	if ! warnings distro "" $DISTRO_TARGETS; then
		result FAIL "$name" "$(failure distro)"
	elif [ -s "$work/new-distro" ]; then
		result FAIL "$name" "$work/new-distro"
	else
		result OK "$name"
	fi
}

# shellcheck disable=SC2086
ktap_run lint/builds "$out" $run
