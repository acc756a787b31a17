#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# phase.sh NAME CMD...: run one phase of the harness, prefixing its output
# with the phase name and reporting how long it took, or that it failed.

name=$1
shift
start=$(date +%s)
echo "==> $name"
"$@"
rc=$?
t=$(($(date +%s) - start))
if [ $rc -eq 0 ]; then
	echo "==> $name: done in ${t}s"
else
	echo "==> $name: FAILED after ${t}s (exit $rc)" >&2
fi
exit $rc
