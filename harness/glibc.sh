#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# glibc.sh OUTDIR: fetch Debian 13 (trixie)'s libc6 (glibc 2.41, the first
# glibc that calls __vdso_getrandom) and lay out the two C libraries the
# guest's glibc client test runs under:
#
#   OUTDIR/2.41/      ld-linux-x86-64.so.2, libc.so.6 from trixie's libc6
#   OUTDIR/2.36/      the same two files from this Debian 12 system (control)
#   OUTDIR/SKIP       one line: why 2.41 is missing (e.g. no network)
#   OUTDIR/glibc-2.41-deb/   the unpacked package
#   OUTDIR/apt/       apt's private configuration, lists and cache
#
# The system's apt configuration is never changed and nothing is installed:
# apt runs with its own sources list, lists, cache and an empty dpkg status
# (so trixie's version is the only candidate), and the package is only
# unpacked with dpkg -x. A failed download is not an error: it writes SKIP
# and exits 0 so the guest test reports SKIP with that reason.
# Idempotent: a complete OUTDIR is left alone.

set -eu

SUITE=trixie
MIRROR=${GLIBC_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() { echo "glibc: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: glibc.sh OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
aptdir=$out/apt
debdir=$out/glibc-2.41-deb

# Copies a loader and a libc (following symlinks) into a directory.
install_libc() {
	dir=$1 ldso=$2 libc=$3
	[ -f "$ldso" ] && [ -f "$libc" ] || return 1
	mkdir -p "$dir.tmp"
	cp -L "$ldso" "$dir.tmp/ld-linux-x86-64.so.2"
	cp -L "$libc" "$dir.tmp/libc.so.6"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}

# The control: this system's own glibc (2.36 on Debian 12).
control() {
	[ -f "$out/2.36/libc.so.6" ] && return 0
	install_libc "$out/2.36" /lib64/ld-linux-x86-64.so.2 \
		/lib/x86_64-linux-gnu/libc.so.6 ||
		die "cannot find the system's ld.so and libc.so.6"
	echo "glibc: control: $("$out/2.36/ld-linux-x86-64.so.2" --version | head -n 1)"
}

skip() {
	echo "$*" >"$out/SKIP"
	echo "glibc: SKIP: $*" >&2
	exit 0
}

# A private apt: everything apt reads or writes lives under $aptdir. The
# hooks other packages put in apt.conf.d (appstream, packagekit) are
# cleared so that an update of our private lists does not refresh system
# caches from them.
apt_setup() {
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
		"$aptdir/state" "$aptdir/etc/preferences.d" "$aptdir/etc/sources.list.d"
	: >"$aptdir/state/status"
	echo "deb [arch=amd64 signed-by=$KEYRING] $MIRROR $SUITE main" \
		>"$aptdir/etc/sources.list"
	cat >"$aptdir/apt.conf" <<EOF
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
Dir::Etc::sourcelist "$aptdir/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferences "$aptdir/etc/preferences";
Dir::Etc::preferencesparts "$aptdir/etc/preferences.d";
Dir::State "$aptdir/state";
Dir::State::Lists "$aptdir/lists";
Dir::State::status "$aptdir/state/status";
Dir::Cache "$aptdir/cache";
Dir::Cache::archives "$aptdir/cache/archives";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Default-Release "";
APT::Sandbox::User "root";
Acquire::Languages "none";
APT::Update::Error-Mode "any";
Acquire::Retries "1";
Acquire::http::Timeout "30";
EOF
}

# The line of an apt log that says what went wrong.
apt_error() {
	grep -m 1 -E '^(E|W): ' "$1" | cut -c 1-200
}

apt_private() {
	apt-get -q -c "$aptdir/apt.conf" "$@"
}

# Downloads trixie's libc6 into $aptdir and unpacks it into $debdir.
fetch() {
	apt_setup
	apt_private update >"$aptdir/update.log" 2>&1 ||
		skip "cannot fetch Debian $SUITE package lists from $MIRROR (no network?): $(apt_error "$aptdir/update.log")"
	ver=$(apt-cache -c "$aptdir/apt.conf" show libc6 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1)
	case $ver in
	2.41-*) ;;
	*) skip "Debian $SUITE's libc6 is '${ver:-missing}', not glibc 2.41" ;;
	esac
	(cd "$aptdir/cache/archives" && apt_private download "libc6=$ver") \
		>"$aptdir/download.log" 2>&1 ||
		skip "cannot download libc6 $ver from $MIRROR: $(apt_error "$aptdir/download.log")"
	# apt names the file after the version, an epoch's colon escaped.
	deb=$aptdir/cache/archives/libc6_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb
	[ -f "$deb" ] || die "apt-get download left no $deb"
	rm -rf "$debdir"
	dpkg -x "$deb" "$debdir" || die "dpkg -x $deb failed"
	echo "glibc: unpacked $(basename "$deb")"
}

control

if [ -f "$out/2.41/libc.so.6" ]; then
	echo "glibc: 2.41 already in $out"
	exit 0
fi
# A SKIP left by an earlier run without network is retried.
rm -f "$out/SKIP"
[ "$(id -u)" = 0 ] || skip "glibc.sh must run as root to use apt-get"
command -v apt-get >/dev/null 2>&1 || skip "no apt-get: not a Debian system"
[ -f "$debdir/usr/lib/x86_64-linux-gnu/libc.so.6" ] || fetch

# trixie is merged-/usr: the loader's canonical path is a symlink there.
install_libc "$out/2.41" "$debdir/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
	"$debdir/usr/lib/x86_64-linux-gnu/libc.so.6" ||
	die "libc6 package lacks ld-linux-x86-64.so.2 or libc.so.6"
echo "glibc: $("$out/2.41/ld-linux-x86-64.so.2" --version | head -n 1)"
