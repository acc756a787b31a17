# SPDX-License-Identifier: GPL-2.0
#
# ktap.sh: sourced by the host-side checks (lint.sh, builds.sh, deb.sh).
# Each check is a function that calls result once per verdict; ktap_run
# writes their KTAP lines to a file in harness/report.sh's framing. Its
# variables start with ktap_, result's counter is n.

n=0

# result OK|FAIL NAME [FILE-WITH-DETAILS]: one KTAP line, and the details
# as diagnostics under it.
result() {
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
	fi
	[ -s "${3:-/dev/null}" ] && sed 's/^/# /' "$3"
	return 0
}

# ktap_run NAME OUT CHECK...: run the CHECK functions, write their lines
# to OUT as the host test NAME, print a summary, fail if any check did.
ktap_run() {
	ktap_name=$1 ktap_out=$2
	shift 2
	{
		echo HOST
		echo "TEST $ktap_name"
		{
			echo "TAP version 13"
			for ktap_check in "$@"; do
				"$ktap_check"
			done
			echo "1..$n"
		} | sed 's/^/| /'
		echo "EXIT $ktap_name code 0"
	} >"$ktap_out"
	echo "$ktap_name: $(grep -c '^| ok' "$ktap_out") passed," \
		"$(grep -c '^| not ok' "$ktap_out") failed (details in $ktap_out)"
	! grep -q '^| not ok' "$ktap_out"
}
