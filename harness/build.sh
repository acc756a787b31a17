#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build.sh DIR [GOAL...]: build bzImage and the uapi headers in DIR, or the
# GOALs a variant asks for (a directory such as arch/x86/entry/vdso/).
# ccache with a fixed timestamp, user and host makes rebuilds of unchanged
# files free. The environment may give make's ARCH, or LLVM with KCC, the
# compiler ccache runs (default gcc), and BUILD_ARGS more of make's
# arguments (W=1 C=2).

set -eu

dir=$1
shift
[ $# -gt 0 ] || set -- bzImage headers
log=$dir/build.log

export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00"
export KBUILD_BUILD_USER=harness KBUILD_BUILD_HOST=harness
export CCACHE_SLOPPINESS=time_macros

# One goal per make: "bzImage headers" in one parallel make can install
# the same uapi header twice at once.
: >"$log"
for goal in "$@"; do
	if ! make -C "$dir" -j"$(nproc)" CC="ccache ${KCC:-gcc}" ${BUILD_ARGS:-} "$goal" >>"$log" 2>&1; then
		grep -E ': (fatal )?error:|\*\*\*' "$log" | head -20 >&2
		echo "build: $goal failed, full log in $log" >&2
		exit 1
	fi
done
# The x86 vDSO's link rule, "$(cmd_vdso); $(cmd_vdso_check)", drops ld's
# exit status: an object calling a sanitizer's runtime leaves the last
# good vDSO in place, and make succeeds.
if grep -E '^ld(\.lld)?(-[0-9]+)?: error:' "$log" | head -5 | grep . >&2; then
	echo "build: the linker failed, full log in $log" >&2
	exit 1
fi
grep -E '^(.*: )?warning:' "$log" | sort -u | head -20 || true
if [ "$1" = bzImage ] || [ "$1" = bindeb-pkg ]; then
	echo "build: $(wc -c <"$dir/arch/x86/boot/bzImage") bytes bzImage, log in $log"
else
	echo "build: $*: done, log in $log"
fi
