#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn results files into one verdict per test and a summary:
#
#	sh harness/report.sh [--ktap] FILE...
#
# A results file is what guest/init.c wrote on the results port: KERNEL,
# then for each program "TEST <name>", its output with each line prefixed
# by "| ", "EXIT <name> <status>"
# (status: "code N", "signal N" or "timeout"), then DONE; or INIT-FAIL,
# or PROBE-OK. Host-side tests write the same framing into files whose
# first line is HOST and need no DONE.
#
# Each test prints "PASS|FAIL|SKIP <name> (P passed, F failed, S skipped)",
# counted from the KTAP result lines in its output, with the reasons and
# the "not ok" lines of a failure under it. The last line is the total;
# the exit status is 1 if anything failed. --ktap prints one KTAP document
# instead, each test output as an indented subtest, then the same total.

set -eu

usage() {
	echo "usage: sh harness/report.sh [--ktap] FILE..." >&2
	exit 2
}

mode=text
case ${1:-} in
--ktap)	mode=ktap; shift ;;
-h|--help) usage ;;
-*)	usage ;;
esac
[ $# -gt 0 ] || usage

# Files are read with getline in BEGIN rather than as awk operands, so that
# an unreadable file is reported as a failure instead of stopping awk, and a
# name with "=" in it is not taken for an assignment.
exec awk -v mode="$mode" '
function emit(text) {
	out[++nout] = text
}

# A failure of the file as a whole rather than of one test: in KTAP it is
# a test point of its own, so that a consumer cannot miss it.
function file_failure(file, msg) {
	failed_total++
	if (mode == "ktap")
		emit("not ok " (++npoints) " " file ": " msg)
	else
		emit("FAIL: " file ": " msg)
}

function open_block(name) {
	state = "open"
	bname = name
	bstatus = ""
	bn = 0
	split("", bl)
}

function add_output(line) {
	bl[++bn] = line
}

# "EXIT <name> <status>", with a name that may hold spaces: sets xname
# and xstatus. Anything else is no EXIT line, only output.
function parse_exit(line) {
	if (line !~ /^EXIT ./)
		return 0
	if (!match(line, / (code -?[0-9]+|signal [0-9]+|timeout)$/) || RSTART < 6)
		return 0
	xname = substr(line, 6, RSTART - 6)
	xstatus = substr(line, RSTART + 1)
	return 1
}

# Only init writes framing lines: it prefixes every line of test
# output with "| ", so no test can forge TEST, EXIT or DONE.
function take(line) {
	if (line ~ /^\|( |$)/) {
		if (state == "open")
			add_output(substr(line, 3))
		else
			problem[++nproblems] = "output outside a test: " line
	} else if (line ~ /^TEST ./) {
		if (state == "open")
			finish_block()
		open_block(substr(line, 6))
	} else if (parse_exit(line) && state == "open" && xname == bname) {
		bstatus = xstatus
		finish_block()
	} else if (line ~ /^INIT-FAIL( |$)/) {
		problem[++nproblems] = line
	} else if (line !~ /^(KERNEL|HOST)( |$)/) {
		problem[++nproblems] = "unexpected line: " line
	}
}

function indent_of(line) {
	return match(line, /[^ \t]/) - 1
}

# Counts the KTAP result lines of the block at any indentation, and the
# plans and results at its top level, the least indented of them.
function count_results(    k, line, low, ind) {
	passed = failed = skipped = nresults = nnotok = 0
	top = -1
	split("", plan_at)
	split("", results_at)
	for (k = 1; k <= bn; k++) {
		line = bl[k]
		if (line ~ /^[ \t]*(not )?ok [0-9]+([ \t]|$)/) {
			ind = indent_of(line)
			results_at[ind]++
			nresults++
			if (top < 0 || ind < top)
				top = ind
			# A directive follows " #", in any case.
			low = tolower(line)
			if (low ~ /[ \t]#[ \t]*skip([^a-z]|$)/)
				skipped++
			else if (low ~ /[ \t]#[ \t]*xfail([^a-z]|$)/)
				passed++
			else if (line ~ /^[ \t]*not /) {
				failed++
				notok[++nnotok] = line
			} else
				passed++
		} else if (line ~ /^[ \t]*1\.\.[0-9]+([ \t]|$)/) {
			ind = indent_of(line)
			# Two plans at one level are two documents: add them up.
			plan_at[ind] += substr(line, ind + 4) + 0
			if (top < 0 || ind < top)
				top = ind
		}
	}
}

function reason(msg) {
	reasons[++nreasons] = "# " bname ": " msg
}

function finish_block(    verdict, skip, seen, k, line) {
	state = "none"
	# Demos show the feature (harness/demo.sh); they are not tests.
	if (bname ~ /^demo\//)
		return
	count_results()
	nreasons = 0
	skip = 0
	if (bstatus == "") {
		# The results already seen stand; the missing ones are the
		# death itself, not a plan mismatch on top of it.
		failed++
		reason("no exit status (guest died?)")
	} else {
		if (bstatus == "code 0") {
			if (nresults == 0)
				passed++
		} else if (bstatus == "code 4" && failed == 0) {
			# KSFT_SKIP
			skip = 1
			if (nresults == 0)
				skipped++
		} else if (nnotok == 0) {
			failed++
			reason("exited with " bstatus)
		}
		seen = results_at[top] + 0
		if (top >= 0 && (top in plan_at) && seen < plan_at[top]) {
			failed += plan_at[top] - seen
			reason("plan 1.." plan_at[top] " but only " seen " results")
		}
	}

	if (failed > 0)
		verdict = "FAIL"
	else if (skip || (passed == 0 && skipped > 0))
		verdict = "SKIP"
	else
		verdict = "PASS"
	passed_total += passed
	failed_total += failed
	skipped_total += skipped

	if (mode == "ktap") {
		# Results need a subtest header, or parsers take them for
		# siblings of ours; plain output is only indented.
		k = 1
		if (nresults > 0) {
			if (bl[1] ~ /^[ \t]*K?TAP version /)
				emit("    " bl[k++])
			else
				emit("    KTAP version 1")
			emit("    # Subtest: " bname)
		}
		for (; k <= bn; k++)
			emit(bl[k] == "" ? "" : "    " bl[k])
		for (k = 1; k <= nreasons; k++)
			emit(reasons[k])
		line = (verdict == "FAIL" ? "not ok " : "ok ") (++npoints) " " bname
		emit(verdict == "SKIP" ? line " # SKIP" : line)
	} else {
		emit(verdict " " bname " (" passed " passed, " failed " failed, " \
		     skipped " skipped)")
		for (k = 1; k <= nreasons; k++)
			emit("  " reasons[k])
		# Enough to see what failed without opening the log.
		for (k = 1; verdict == "FAIL" && k <= nnotok && k <= 20; k++)
			emit("  " notok[k])
		if (verdict == "FAIL" && nnotok > 20)
			emit("  # ... and " (nnotok - 20) " more not ok lines")
	}
}

function read_file(file,    n, rc, line, last, i, is_host, done) {
	n = 0
	split("", lines)
	while ((rc = (getline line < file)) > 0) {
		sub(/\r$/, "", line)
		lines[++n] = line
	}
	if (rc < 0) {
		file_failure(file, "cannot read")
		return
	}
	close(file)

	# Host-side test files start with HOST; a guest that finished ends
	# with DONE.
	is_host = n > 0 && lines[1] ~ /^HOST( |$)/
	last = n
	while (last > 0 && lines[last] == "")
		last--
	done = last > 0 && lines[last] == "DONE"

	state = "none"
	nproblems = 0
	for (i = 1; i <= n; i++)
		if (!(i == 1 && is_host) && !(i == last && done))
			take(lines[i])
	if (state != "none")
		finish_block()

	for (i = 1; i <= nproblems; i++)
		file_failure(file, problem[i])
	if (!is_host && !done)
		file_failure(file, "guest did not finish (no DONE)")
}

BEGIN {
	for (i = 1; i < ARGC; i++)
		read_file(ARGV[i])

	if (mode == "ktap") {
		print "KTAP version 1"
		print "1.." npoints
	}
	for (i = 1; i <= nout; i++)
		print out[i]
	print (passed_total + 0) " passed, " (failed_total + 0) " failed, " \
	      (skipped_total + 0) " skipped"
	exit (failed_total > 0)
}
' "$@"
