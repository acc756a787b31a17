#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh DIR QEMU-ARGS...: run a QEMU guest with a VM generation ID and
# clone it when it asks, the way a VM fork happens: a snapshot restored as
# a new VM. The guest asks on its control port (ttyS2) with "CLONE NEW" or
# "CLONE SAME"; the VM is stopped, migrated to DIR/snapshot and quit, and
# a new QEMU with the same arguments and a new generation ID (or the same
# one, for a control) restores it and goes on; then the guest reads
# "RESTORED" on the port. Exits with the status of the last QEMU.
#
# QEMU's monitor (QMP) and the control port are FIFO pairs in DIR, kept
# open here for the life of the run, so one QEMU after another uses them.

set -eu

dir=$1
shift
ctl=$dir/ctl
qmp=$dir/qmp
snap=$dir/snapshot
cr=$(printf '\r')

die() { echo "vm: $*" >&2; exit 1; }

case $dir in *[!A-Za-z0-9/._-]*) die "$dir: a path QMP and sh take as it is, please" ;; esac
rm -f "$ctl.in" "$ctl.out" "$qmp.in" "$qmp.out" "$snap" "$snap.part" "$dir"/qemu.pid.*
mkfifo "$ctl.in" "$ctl.out" "$qmp.in" "$qmp.out"
# Read and write ends both, so that no open blocks and no QEMU quitting
# ever makes an end of file here.
exec 3<>"$ctl.out" 4<>"$ctl.in" 5<>"$qmp.out" 6<>"$qmp.in"

instance=0
# kill_qemus: no QEMU outlives this script. A pidfile left by a QEMU that
# died names a process only if that process is a QEMU still.
kill_qemus() {
	set +e
	for p in "$dir"/qemu.pid.*; do
		[ -r "$p" ] || continue
		pid=$(cat "$p")
		case $(cat "/proc/$pid/comm" 2>/dev/null) in
		qemu-system-*) kill "$pid" ;;
		esac
	done
}
trap kill_qemus EXIT
trap 'exit 143' TERM INT

# start boot|incoming QEMU-ARGS...: the next QEMU, in the background,
# with the generation ID $guid. When it ends, "EXIT <instance> <status>"
# is written to the control FIFO, where the main loop reads the guest's
# requests, and {"exited": <instance>} to the monitor's, so that nothing
# waits for a reply that cannot come (a QEMU that fails to start, say).
start() {
	how=$1
	shift
	instance=$((instance + 1))
	n=$instance
	[ "$how" = incoming ] && set -- "$@" -incoming defer
	(
		set +e
		qemu-system-x86_64 "$@" -pidfile "$dir/qemu.pid.$n" \
			-chardev "pipe,id=ctl,path=$ctl" -serial chardev:ctl \
			-chardev "pipe,id=qmp,path=$qmp" -mon chardev=qmp,mode=control \
			-device "vmgenid,guid=$guid"
		echo "EXIT $n $?" >"$ctl.out"
		echo "{\"exited\": $n}" >"$qmp.out"
	) &
}

# gone: whether $reply says that the current QEMU has ended.
gone() {
	[ "$reply" = "{\"exited\": $instance}" ]
}

# qmp_reply: the next reply of QEMU's monitor, skipping events.
qmp_reply() {
	while read -r reply <&5; do
		case $reply in
		'{"return"'*|'{"error"'*) return 0 ;;
		esac
		gone && die "QEMU ended while its monitor had a command to answer"
	done
	die "QMP: monitor closed"
}

# qmp JSON: run a command, fail on an error reply.
qmp() {
	echo "$1" >&6
	qmp_reply
	case $reply in '{"error"'*) die "QMP $1: $reply" ;; esac
}

# A new QEMU greets first, and takes commands once capabilities are set.
# One that ends before it greets ends this script too, with its status.
qmp_connect() {
	while read -r reply <&5; do
		case $reply in '{"QMP"'*) break ;; esac
		if gone; then
			wait_exit "$instance"
			exit "$status"
		fi
	done
	qmp '{"execute": "qmp_capabilities"}'
}

# migration_done: poll until the migration in or out has completed, for
# two minutes at most: the guest's clock stands still meanwhile, so only
# this side can tell that it takes too long.
migration_done() {
	tries=600
	while [ $tries -gt 0 ]; do
		qmp '{"execute": "query-migrate"}'
		case $reply in
		*'"status": "completed"'*) return 0 ;;
		*'"status": "failed"'*|*'"status": "cancelled"'*) die "migration: $reply" ;;
		esac
		tries=$((tries - 1))
		sleep 0.2
	done
	die "migration: not done after two minutes: $reply"
}

# wait_exit N: until QEMU instance N has gone.
wait_exit() {
	while read -r what n status <&3; do
		[ "$what" = EXIT ] && [ "$n" = "$1" ] && return 0
	done
}

# clone NEW|SAME QEMU-ARGS...: snapshot, quit, restore with a new or the
# same generation ID.
clone() {
	mode=$1
	shift
	# The snapshot gets its name once cat has written all of it: QEMU
	# may report the migration completed before cat has finished.
	qmp '{"execute": "stop"}'
	qmp "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"exec:cat > $snap.part && mv $snap.part $snap\"}}"
	migration_done
	qmp '{"execute": "quit"}'
	wait_exit "$instance"
	rm -f "$dir/qemu.pid.$instance"
	tries=100
	while [ ! -e "$snap" ]; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || die "no complete snapshot $snap"
		sleep 0.1
	done
	[ "$mode" = NEW ] && guid=$(cat /proc/sys/kernel/random/uuid)
	echo "vm: clone $instance: restoring with $mode generation ID $guid" >&2
	start incoming "$@"
	qmp_connect
	qmp "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"exec:cat $snap\"}}"
	migration_done
	qmp '{"execute": "cont"}'
	rm -f "$snap"
	echo RESTORED >&4
}

guid=$(cat /proc/sys/kernel/random/uuid)
start boot "$@"
qmp_connect
while read -r what arg status <&3; do
	arg=${arg%"$cr"}
	case $what in
	CLONE)
		case $arg in
		NEW|SAME) clone "$arg" "$@" ;;
		*) echo "vm: guest asked for an unknown clone: $arg" >&2 ;;
		esac
		;;
	EXIT)
		[ "$arg" = "$instance" ] && exit "$status"
		;;
	esac
done
