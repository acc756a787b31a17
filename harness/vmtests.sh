#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmtests.sh TREE OUTDIR [LIST]: build the mm selftests that LIST
# (harness/vmtests.list) selects, with the vm selftests Makefile of TREE,
# as static binaries into OUTDIR/bin/ (the guest's /vmtests), and the
# runner guest/vmtests/vmtests.c, with LIST's table compiled in, as
# OUTDIR/vmtests. TREE is only read: objects go to OUTDIR/build.
#
# vmtests.sh compare BASE PATCHED: see below.
#
# Static links: mlock-random-test and memfd_secret need libcap.a
# (libcap-dev), ksm_tests and migration libnuma.a (libnuma-dev).

set -eu

# vmtests.sh compare BASE PATCHED: the table of two runs' results (each a
# results file of harness/boot.sh, or the runner's output), and exit 1 if a
# test that passed on BASE did not pass on PATCHED.
if [ "${1:-}" = compare ]; then
	[ $# -eq 3 ] || { echo "usage: vmtests.sh compare BASE PATCHED" >&2; exit 2; }
	exec awk '
	function read_run(file, run,    line, framed, inside, name, rest) {
		framed = 0
		while ((getline line < file) > 0)
			if (line ~ /^TEST .*vmtests\r?$/)
				framed = 1
		close(file)
		inside = !framed
		while ((getline line < file) > 0) {
			sub(/\r$/, "", line)
			if (framed && line ~ /^TEST /) { inside = line ~ /vmtests$/; continue }
			if (framed && line ~ /^EXIT /) { inside = 0; continue }
			if (!inside)
				continue
			sub(/^\| ?/, "", line)
			if (match(line, /: (exit [0-9]+|signal [0-9]+|timeout after [0-9]+ s), ran [0-9.]+ s$/) && line ~ /^# /) {
				name = substr(line, 3, RSTART - 3)
				rest = substr(line, RSTART)
				sub(/.* ran /, "", rest)
				sub(/ s$/, "", rest)
				secs[run, name] = rest
				total[run] += rest
			} else if (line ~ /^(not )?ok [0-9]+ /) {
				name = line
				sub(/^(not )?ok [0-9]+ /, "", name)
				sub(/ # .*/, "", name)
				if (line ~ /^not /) v = "FAIL"
				else if (line ~ / # [Ss][Kk][Ii][Pp]/) v = "SKIP"
				else v = "PASS"
				verdict[run, name] = v
				count[run, v]++
				if (!(name in seen)) { seen[name] = 1; order[++n] = name }
			}
		}
		close(file)
	}
	function cell(run, name) {
		if (!((run, name) in verdict))
			return sprintf("%-6s %8s", "-", "")
		return sprintf("%-6s %7.1fs", verdict[run, name], secs[run, name])
	}
	BEGIN {
		read_run(ARGV[1], "b")
		read_run(ARGV[2], "p")
		printf "%-48s %-15s  %-15s\n", "test", "base", "patched"
		for (i = 1; i <= n; i++) {
			name = order[i]
			mark = ""
			if (("b", name) in verdict && verdict["b", name] == "PASS" &&
			    !(("p", name) in verdict && verdict["p", name] == "PASS")) {
				mark = "  REGRESSION"
				regressions++
			}
			printf "%-48s %s  %s%s\n", name, cell("b", name), cell("p", name), mark
		}
		for (r = 1; r <= 2; r++) {
			run = r == 1 ? "b" : "p"
			sum[run] = sprintf("%d/%d/%d %5.0fs", count[run, "PASS"], count[run, "FAIL"],
					   count[run, "SKIP"], total[run])
		}
		printf "%-48s %-15s  %-15s\n", "pass/fail/skip, guest time", sum["b"], sum["p"]
		if (n == 0) { print "vmtests: no results"; exit 1 }
		printf "vmtests: %d regressions\n", regressions
		exit regressions > 0
	}' "$2" "$3"
fi

harness=$(dirname "$(realpath "$0")")
tree=$(realpath "$1")
out=$(realpath -m "$2")
list=$(realpath "${3:-$harness/vmtests.list}")
src=$tree/tools/testing/selftests/vm
hdr=$tree/usr/include
runner=$harness/../guest/vmtests/vmtests.c

die() { echo "vmtests: $*" >&2; exit 1; }

[ -d "$src" ] || die "no $src"
[ -r "$hdr/linux/mman.h" ] || die "no uapi headers in $hdr (make headers_install)"
for lib in libcap.a libnuma.a; do
	case $(gcc -print-file-name=$lib) in
	/*) ;;
	*) die "no static $lib: install libcap-dev and libnuma-dev" ;;
	esac
done

# The list: "run | PROGRAM ARGS | TIMEOUT | WHO [| note]", WHO being
# "root|nobody [vm.SYSCTL=VALUE] [needs=/PATH|needs=CPUFLAG]" (the runner
# sets the sysctl while the test runs, and skips it if PATH is missing or
# /proc/cpuinfo lacks CPUFLAG), or
# "out | PROGRAM [ARGS] | reason"; # starts a comment. Checked here, so that
# the generated header cannot be broken by a typo.
parse() {
	awk -F'|' -v what="$1" '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	function bad(msg) { printf "vmtests: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; err = 1 }
	/^[ \t]*(#|$)/ { next }
	{
		kind = trim($1); cmd = trim($2)
		n = split(cmd, w, /[ \t]+/)
		if (kind == "out") {
			if (NF < 3 || trim($3) == "") bad("out without a reason")
			next
		}
		if (kind != "run") { bad("neither run nor out: " $0); next }
		t = trim($3); nu = split(trim($4), u, /[ \t]+/)
		sysctl = needs = "NULL"
		for (i = 2; i <= nu; i++)
			if (u[i] ~ /^[a-z_]+\.[a-z_.]+=[0-9a-z_]+$/ && sysctl == "NULL")
				sysctl = "\"" u[i] "\""
			else if (u[i] ~ /^needs=(\/[A-Za-z0-9_.\/-]+|[a-z0-9_]+)$/ && needs == "NULL")
				needs = "\"" substr(u[i], 7) "\""
			else
				break
		if (n < 1 || t !~ /^[1-9][0-9]*$/ || (u[1] != "root" && u[1] != "nobody") || i <= nu) {
			bad("want run | PROGRAM ARGS | TIMEOUT | root|nobody [vm.SYSCTL=VALUE] [needs=/PATH|CPUFLAG]")
			next
		}
		for (i = 1; i <= n; i++)
			if (w[i] !~ /^[A-Za-z0-9_.,:=\/+-]+$/) bad("bad word: " w[i])
		if (n > 16) bad("more than 15 arguments")
		if (what == "progs") {
			if (!(w[1] in seen)) print w[1]
			seen[w[1]] = 1
		} else {
			line = "VMTEST(" t ", " u[1] ", " sysctl ", " needs
			for (i = 1; i <= n; i++) line = line ", \"" w[i] "\""
			print line ", NULL)"
		}
	}
	END { exit err }' "$list"
}

progs=$(parse progs) || die "bad $list"
rm -rf "$out"
mkdir -p "$out/build" "$out/bin"
for prog in $progs; do
	# 6.1's mrelease_test uses __NR_process_mrelease and __NR_pidfd_open
	# without the header that defines them, and so skips on every kernel.
	case $prog in
	mrelease_test) extra="-include sys/syscall.h" ;;
	*) extra= ;;
	esac
	if ! make -s -C "$src" CC="gcc -static" OUTPUT="$out/build" \
		KHDR_INCLUDES="-isystem $hdr" EXTRA_CFLAGS="$extra" \
		"$out/build/$prog" >"$out/build/$prog.log" 2>&1; then
		cat "$out/build/$prog.log" >&2
		die "building vm/$prog failed"
	fi
	cp "$out/build/$prog" "$out/bin/$prog"
done

{
	echo "/* Generated by harness/vmtests.sh from $(basename "$list"): do not edit. */"
	parse table
} >"$out/vmtests-list.h" || die "bad $list"
gcc -static -O2 -Wall -Wextra -Werror -I "$out" -o "$out/vmtests" "$runner" ||
	die "building the runner failed"
echo "vmtests: $(echo $progs | wc -w) programs, $(grep -c '^VMTEST' "$out/vmtests-list.h") tests from $tree"
