#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check.sh RESULTS O FUZZ_TIME: build the rig, run the tests, the ASan+UBSan
# tests and a bounded fuzz run, and write RESULTS in the harness's framing.
# Exits 0 whatever the tests say; non-zero only if the rig could not build.

results=$1
O=$2
fuzz_time=$3
MAKE=${MAKE:-make}
log=$O/check.log

mkdir -p "$O" "$(dirname "$results")" || exit 1
echo HOST > "$results"

# block NAME STATUS FILE: one TEST block; FILE holds the output.
block() {
	{
		echo "TEST $1"
		sed 's/^/| /' "$3"
		echo "EXIT $1 $2"
	} >> "$results"
}

# run NAME CMD...: run it, record its output and exit status.
run() {
	name=$1
	shift
	"$@" > "$log" 2>&1
	rc=$?
	if [ $rc -gt 128 ]; then
		block "$name" "signal $((rc - 128))" "$log"
	else
		block "$name" "code $rc" "$log"
	fi
}

if ! $MAKE --no-print-directory all > "$log" 2>&1; then
	cat "$log" >&2
	{ echo "rig: the build failed:"; tail -n 40 "$log"; } > "$log.fail"
	block rig/build "code 1" "$log.fail"
	exit 1
fi

run rig/tests "$O/tests"
run rig/tests-asan env ASAN_OPTIONS=detect_leaks=0 "$O/tests-asan"

# The fuzzer's own log stays in fuzz.log; the block gets a KTAP summary.
"$O/fuzz" -max_total_time="$fuzz_time" -print_final_stats=1 -artifact_prefix="$O/" \
	"$O/corpus" "$O/seeds" > "$O/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$O/fuzz.log")
{
	echo "KTAP version 1"
	echo "1..1"
	if [ $rc = 0 ]; then
		echo "ok 1 rig fuzz: ${runs:-?} inputs in ${fuzz_time} s, every return as BRIEF 2 says"
	else
		echo "not ok 1 rig fuzz: failed after ${runs:-?} inputs (exit $rc); log $O/fuzz.log"
		grep -E '^rig fuzz:|ERROR: |SUMMARY: |Test unit written' "$O/fuzz.log" | head -n 20 |
			sed 's/^/# /'
	fi
} > "$log"
block rig/fuzz "code $rc" "$log"
exit 0
