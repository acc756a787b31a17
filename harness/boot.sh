#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh BZIMAGE INITRAMFS OUTDIR: boot the test initramfs under QEMU.
#
# The console (ttyS0) goes to OUTDIR/console.log, and the results port
# (ttyS1), which only the guest's init writes to, to OUTDIR/results.log.
# A guest that does not power off within BOOT_TIMEOUT seconds is killed.
# BOOT_ARGS is added to the kernel command line (a variant's own needs).
# Panics, oopses, WARNs, bad page states, sanitizer, lockdep and hung-task
# reports fail the run.

set -u

kernel=$1
initrd=$2
out=$3
timeout=${BOOT_TIMEOUT:-1800}
test_timeout=${TEST_TIMEOUT:-600}
# Any oops, WARN or bad page state (taint bit 5) panics, ending the run.
cmdline="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 panic_on_taint=0x20"
cmdline="$cmdline ${BOOT_ARGS:-}"

harness=$(dirname "$0")

die() { echo "boot: $*" >&2; exit 1; }

[ -r "$kernel" ] || die "no kernel $kernel"
[ -r "$initrd" ] || die "no initramfs $initrd"
mkdir -p "$out"

# qemu ACCEL SECONDS EXTRA-CMDLINE: one guest run, console and results to
# $out, appended to by every QEMU of the run (harness/vm.sh clones the VM
# when a test asks). timeout signals the whole process group: every QEMU.
qemu() {
	rm -f "$out/console.log" "$out/results.log"
	timeout -k 5 "$2" sh "$harness/vm.sh" "$out" \
		-accel "$1" -cpu max -smp 2 -m 1G \
		-nodefaults -display none -no-reboot \
		-chardev "file,id=console,path=$out/console.log,append=on" \
		-chardev "file,id=results,path=$out/results.log,append=on" \
		-serial chardev:console -serial chardev:results \
		-device virtio-rng-pci \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline $3" \
		</dev/null >"$out/qemu.log" 2>&1
}

# KVM only if it exists and a guest really boots with it: on some hosts
# /dev/kvm is there but the guest aborts or hangs.
accel=tcg
if [ -w /dev/kvm ] && qemu kvm 30 harness.probe=1 &&
   grep -q '^PROBE-OK' "$out/results.log" 2>/dev/null; then
	accel=kvm
fi
echo "boot: accelerator $accel (timeout ${timeout}s, ${test_timeout}s per test)"

start=$(date +%s)
qemu $accel "$timeout" "harness.timeout=$test_timeout"
rc=$?
elapsed=$(($(date +%s) - start))
tr -d '\r' <"$out/results.log" >"$out/results" 2>/dev/null

fail=
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	fail="guest killed after ${timeout}s (hung?)"
elif [ $rc -ne 0 ]; then
	fail="qemu exited with $rc: $(tail -n 1 "$out/qemu.log")"
fi
# BUG: also covers KASAN and KFENCE reports, WARNING: lockdep's.
oops=$(grep -E -m1 'Kernel panic|BUG:|WARNING:|Oops|general protection|Bad page|bad page|UBSAN:|blocked for more than' "$out/console.log")
[ -n "$oops" ] && fail="${fail:+$fail; }kernel: $oops"
grep -q '^DONE$' "$out/results" || fail="${fail:+$fail; }guest did not finish its tests"

if [ -n "$fail" ]; then
	# Counted by the report, whatever the guest got through.
	echo "INIT-FAIL boot: $fail" >>"$out/results"
	echo "boot: FAILED after ${elapsed}s: $fail" >&2
	echo "boot: last lines of $out/console.log:" >&2
	tail -25 "$out/console.log" | sed 's/^/  | /' >&2
	exit 1
fi
echo "boot: guest finished in ${elapsed}s"
