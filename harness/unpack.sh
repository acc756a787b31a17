#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# unpack.sh DIR [FROM]: unpack Debian's linux-source-6.1 into DIR as a git
# tree whose first commit, tagged "base", is the pristine Debian source; or,
# for another kernel variant, clone that commit from FROM, a tree unpacked
# before (seconds instead of a minute, and no second copy of the objects).

set -eu

dir=$1
from=${2:-}
tarball=/usr/src/linux-source-6.1.tar.xz

die() { echo "unpack: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: install linux-source-6.1"
if [ -e "$dir/.git" ]; then
	git -C "$dir" rev-parse -q --verify base >/dev/null ||
		die "$dir is a git tree without a 'base' tag: move it away"
	echo "unpack: $dir already unpacked"
	exit 0
fi

tmp=$dir.tmp
rm -rf "$tmp"
if [ -n "$from" ]; then
	git -C "$from" rev-parse -q --verify base >/dev/null ||
		die "$from has no 'base' tag to clone"
	git clone -q --local --branch base "$from" "$tmp" 2>/dev/null ||
		die "cloning $from failed"
	git -C "$tmp" config user.email >/dev/null ||
		git -C "$tmp" config user.email "harness@localhost" &&
		git -C "$tmp" config user.name "kernel harness"
	mv "$tmp" "$dir"
	echo "unpack: $dir: $(git -C "$dir" log -1 --format=%s base), cloned from $from"
	exit 0
fi

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
mkdir -p "$tmp"
tar -xJf "$tarball" -C "$tmp" --strip-components=1
cd "$tmp"
git init -q
git config core.autocrlf false
# git am needs a committer; authors come from the patches.
git config user.email >/dev/null ||
	git config user.email "harness@localhost" && git config user.name "kernel harness"
# Debian's .gitignore ignores everything at the top level: force it.
git add -A -f
git commit -q -m "Debian linux-source-6.1 $version"
git tag base
cd - >/dev/null
mv "$tmp" "$dir"
echo "unpack: $dir: Debian linux-source-6.1 $version, $(make -s -C "$dir" kernelversion)"
