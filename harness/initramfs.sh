#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh OUT INIT TESTDIR LIST DEMODIR GLIBCDIR GUESTDIR VMTESTSDIR
# [EXTRA_TESTS]: pack the guest's init, the tests LIST names (numbered so
# they run in its order), the glibc client test, the harness's own guest
# tests in GUESTDIR and 6.1's mm selftests (VMTESTSDIR, harness/vmtests.sh:
# the runner, and the programs it runs from /vmtests) after them, the demo
# programs and optionally a user's directory of extra tests into an
# uncompressed cpio archive.

set -eu

out=$1
init=$2
tests=$3
list=$4
demo=$5
glibc=$6
guest=$7
vmtests=$8
extra=${9:-}

die() { echo "initramfs: $*" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp's 0700 would become the guest's /: nobody could run anything.
chmod 755 "$root"
mkdir -p "$root/tests" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$init" "$root/init"

n=10
for target in $(grep -v '^#' "$list" | awk '{ print $2 }'); do
	cp "$tests/$target" "$root/tests/$n-$target"
	n=$((n + 1))
done

cp -a "$demo" "$root/demo"

# The glibc test finds the two C libraries and its client under /glibc;
# without 2.41 (SKIP says why) it reports a skip, never a pass.
cp "$glibc/test" "$root/tests/$n-glibc"
mkdir -p "$root/glibc"
cp "$glibc/client" "$root/glibc/"
for f in 2.41 2.36 SKIP; do
	[ -e "$glibc/$f" ] && cp -a "$glibc/$f" "$root/glibc/"
done

for t in "$guest"/*; do
	n=$((n + 1))
	cp "$t" "$root/tests/$n-$(basename "$t")"
done

cp "$vmtests/vmtests" "$root/tests/$((n + 1))-vmtests"
cp -a "$vmtests/bin" "$root/vmtests"

if [ -n "$extra" ]; then
	[ -d "$extra" ] || die "EXTRA_TESTS=$extra is not a directory"
	cp -a "$extra/." "$root/extra"
	echo "initramfs: extra tests from $extra:" $(find "$root/extra" -maxdepth 1 -type f -perm -u+x -printf '%f ')
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out"
echo "initramfs: $(du -h "$out" | cut -f1) with $(ls "$root/tests" | wc -l) tests"
