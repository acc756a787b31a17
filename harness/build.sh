#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build.sh DIR: build bzImage and the uapi headers in DIR. ccache with a
# fixed timestamp, user and host makes rebuilds of unchanged files free.

set -eu

dir=$1
log=$dir/build.log

export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00"
export KBUILD_BUILD_USER=harness KBUILD_BUILD_HOST=harness
export CCACHE_SLOPPINESS=time_macros

# One goal per make: "bzImage headers" in one parallel make can install
# the same uapi header twice at once.
if ! { make -C "$dir" -j"$(nproc)" CC="ccache gcc" bzImage &&
       make -C "$dir" -j"$(nproc)" CC="ccache gcc" headers; } >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -20 >&2
	echo "build: failed, full log in $log" >&2
	exit 1
fi
grep -E '^(.*: )?warning:' "$log" | sort -u | head -20 || true
echo "build: $(ls -l "$dir/arch/x86/boot/bzImage" | awk '{ print $5 }') bytes bzImage, log in $log"
