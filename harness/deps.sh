#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the harness needs. Idempotent: packages that
# are already installed are not touched and apt is not even asked.

set -eu

PACKAGES="linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev
ccache cpio git xz-utils kmod qemu-system-x86 perl python3
clang-14 libclang-rt-14-dev valgrind libcap-dev libnuma-dev
manpages-dev man-db groff-base python3-ply python3-git
linux-config-6.1 sparse rsync fakeroot openssl lld-14 llvm-14"

die() { echo "deps: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
	die "this is not a Debian/apt system: install by hand: $(echo $PACKAGES)"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }

[ "$(id -u)" = 0 ] || die "packages missing:$missing; run as root (or install them)"

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	die "apt-get install failed for:$missing"
