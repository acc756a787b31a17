#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh TREE OUT VERSION: after kbuild's bindeb-pkg in TREE, move the
# Debian packages it wrote beside TREE into OUT and check them: each one
# unpacks (dpkg -x), dpkg-deb --info gives VERSION, and the linux-image
# package holds the kernel of TREE's release, copied to OUT/vmlinuz for
# the boot phase. Results in OUT/results, in harness/report.sh's framing.

set -u

tree=$1
out=$2
version=$3

die() { echo "deb: $*" >&2; exit 1; }

release=$(make -s -C "$tree" kernelrelease) || die "no kernel release in $tree"
arch=$(dpkg --print-architecture)
mkdir -p "$out"
rm -rf "$out"/*.deb "$out/root" "$out/vmlinuz"
found=
for f in "$tree"/../*_"$version"_*; do
	[ -e "$f" ] || continue
	mv "$f" "$out/"
	found=1
done
[ -n "$found" ] || die "bindeb-pkg left no package of version $version beside $tree"

. "$(dirname "$0")/ktap.sh"

# why TEXT: a file with TEXT, for result's details
why() {
	echo "$*" >"$out/why"
	echo "$out/why"
}

# field DEB NAME: a field of the package's control file
field() {
	dpkg-deb --field "$1" "$2" 2>/dev/null
}

check_packages() {
	image=$out/linux-image-${release}_${version}_$arch.deb
	if [ ! -r "$image" ]; then
		result FAIL "linux-image-$release $version" \
			"$(why "no $(basename "$image") in: $(ls "$out" | tr '\n' ' ')")"
		return
	fi
	for deb in "$out"/*.deb; do
		name=$(basename "$deb")
		if ! dpkg-deb --info "$deb" >"$out/info" 2>&1; then
			result FAIL "$name: dpkg-deb --info reads it" "$out/info"
		elif [ "$(field "$deb" Version)" != "$version" ]; then
			result FAIL "$name: version $version" "$(why "dpkg-deb --info says $(field "$deb" Version)")"
		else
			result OK "$name: $(field "$deb" Package) $(field "$deb" Version)"
		fi
		if dpkg -x "$deb" "$out/root" 2>"$out/x.err"; then
			result OK "$name: dpkg -x unpacks it"
		else
			result FAIL "$name: dpkg -x unpacks it" "$out/x.err"
		fi
	done
	kernel=$out/root/boot/vmlinuz-$release
	if [ -r "$kernel" ] && [ -r "$out/root/boot/config-$release" ]; then
		cp "$kernel" "$out/vmlinuz"
		result OK "linux-image-$release: /boot/vmlinuz-$release and its config (booted next)"
	else
		result FAIL "linux-image-$release: /boot/vmlinuz-$release and its config"
	fi
}

ktap_run deb "$out/results" check_packages
