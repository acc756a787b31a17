#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh TREE PATCHDIR OUT: what a subsystem maintainer runs on the series
# before taking it, on the applied tree TREE (commits base..HEAD):
#
#   checkpatch   scripts/checkpatch.pl --strict on every patch: no error or
#                warning; a check only if harness/checkpatch.allow lists it
#   kernel-doc   scripts/kernel-doc on every file the series touches: no
#                warning that the base's version of the file does not have
#   uapi         every uapi header the series touches compiles on its own
#   vdso-instr   every object the series adds to the x86 vDSO opts out of
#                each instrumentation the vDSO Makefile turns off for its
#                other C objects (KMSAN_SANITIZE_vclock_gettime.o := n...)
#   man-page     patches/man-pages applies to Debian's mmap(2) and renders
#                without a warning
#
# Results go to OUT in the framing of harness/report.sh, one KTAP line each.

set -u

tree=$(realpath "$1")
patches=$(realpath "$2")
out=$3
harness=$(dirname "$(realpath "$0")")
allow=$harness/checkpatch.allow

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$harness/ktap.sh"

# The series' changed files, by kind: git diff base..HEAD, added or modified.
changed() {
	git -C "$tree" diff --name-only --diff-filter=AM base HEAD -- "$@"
}

# checkpatch: errors and warnings fail; a check passes only if the
# allow-list has "PATCH-FILE TYPE reason" for it.
lint_checkpatch() {
	for p in $(grep -v '^#' "$patches/series"); do
		(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
			--show-types --no-summary -q "$patches/$p") >"$tmp/cp" 2>&1
		grep -E '^(ERROR|WARNING|CHECK):' "$tmp/cp" | while IFS=: read -r level type rest; do
			if [ "$level" = CHECK ] &&
			   grep -q "^$p $type " "$allow" 2>/dev/null; then
				continue
			fi
			echo "$level:$type:$rest"
		done >"$tmp/bad"
		if [ -s "$tmp/bad" ]; then
			result FAIL "checkpatch --strict: $p" "$tmp/bad"
		else
			result OK "checkpatch --strict: $p"
		fi
	done
}

# kernel-doc's warnings (-v: also missing return values) for FILE at REV
# (base or HEAD), without line numbers, so that code moving down a file is
# no new warning.
kdoc_warnings() {
	src=$tmp/kdoc-src.${2##*.}
	git -C "$tree" show "$1:$2" >"$src" 2>/dev/null || return 0
	(cd "$tree" && perl scripts/kernel-doc -none -v "$src") 2>&1 |
		sed -n "s|^$src:[0-9]*: warning: ||p" | sort
}

lint_kernel_doc() {
	: >"$tmp/new"
	for f in $(changed '*.c' '*.h'); do
		kdoc_warnings base "$f" >"$tmp/old-w"
		kdoc_warnings HEAD "$f" >"$tmp/new-w"
		comm -13 "$tmp/old-w" "$tmp/new-w" | sed "s|^|$f: |" >>"$tmp/new"
	done
	if [ -s "$tmp/new" ]; then
		result FAIL "kernel-doc: no new warnings in the files the series touches" "$tmp/new"
	else
		result OK "kernel-doc: no new warnings in the files the series touches"
	fi
}

# Each uapi header the series touches, as installed, compiles alone.
lint_uapi() {
	: >"$tmp/uapi"
	for f in $(changed 'include/uapi/*.h' 'arch/x86/include/uapi/*.h'); do
		h=${f#*include/uapi/}
		printf '#include <%s>\n' "$h" |
			gcc -fsyntax-only -Wall -Werror -I "$tree/usr/include" -x c - \
			>>"$tmp/uapi" 2>&1 || echo "$h does not compile alone" >>"$tmp/uapi"
	done
	if [ -s "$tmp/uapi" ]; then
		result FAIL "uapi: every header the series changes compiles on its own" "$tmp/uapi"
	else
		result OK "uapi: every header the series changes compiles on its own"
	fi
}

# The 6.1 vDSO Makefile turns instrumentation off for the whole directory
# (KASAN_SANITIZE := n ...) and, where that is not possible, per object:
# every per-object opt-out it has for vclock_gettime.o, each C object the
# series adds must have too.
lint_vdso_instrumentation() {
	mk=$tree/arch/x86/entry/vdso/Makefile
	git -C "$tree" show base:arch/x86/entry/vdso/Makefile >"$tmp/mk-base"
	: >"$tmp/instr"
	for obj in $(git -C "$tree" diff base HEAD -- arch/x86/entry/vdso/Makefile |
		     sed -n 's/^+vobjs-[^=]*+\{0,1\}= *//p'); do
		case $obj in *-chacha.o) continue ;; esac	# assembly
		for var in $(sed -n 's/^\([A-Z]*_[A-Z]*\)_vclock_gettime\.o[[:space:]]*:= n$/\1/p' "$tmp/mk-base"); do
			grep -Eq "^${var}_$obj[[:space:]]*:= n$" "$mk" ||
				echo "${var}_$obj := n is missing from arch/x86/entry/vdso/Makefile" >>"$tmp/instr"
		done
	done
	if [ -s "$tmp/instr" ]; then
		result FAIL "vDSO: the series' objects opt out of instrumentation" "$tmp/instr"
	else
		result OK "vDSO: the series' objects opt out of instrumentation"
	fi
}

# The man-pages patch applies to Debian's mmap(2) (manpages-dev) and man
# renders it with every warning on and none printed.
lint_man_page() {
	page=/usr/share/man/man2/mmap.2.gz
	mkdir -p "$tmp/man/man2"
	: >"$tmp/man.err"
	if ! zcat "$page" >"$tmp/man/man2/mmap.2" 2>>"$tmp/man.err"; then
		echo "no $page: install manpages-dev" >>"$tmp/man.err"
	else
		for p in "$patches"/man-pages/*.patch; do
			git -C "$tmp/man" apply "$p" 2>>"$tmp/man.err" ||
				echo "$(basename "$p") does not apply to $page" >>"$tmp/man.err"
		done
		MANWIDTH=80 man --warnings=w -l "$tmp/man/man2/mmap.2" \
			>"$tmp/man.out" 2>>"$tmp/man.err"
		grep -q MAP_DROPPABLE "$tmp/man.out" ||
			echo "the rendered page has no MAP_DROPPABLE" >>"$tmp/man.err"
	fi
	if [ -s "$tmp/man.err" ]; then
		result FAIL "man-pages: mmap(2) with MAP_DROPPABLE renders without warnings" "$tmp/man.err"
	else
		result OK "man-pages: mmap(2) with MAP_DROPPABLE renders without warnings"
	fi
}

ktap_run lint "$out" lint_checkpatch lint_kernel_doc lint_uapi \
	lint_vdso_instrumentation lint_man_page
