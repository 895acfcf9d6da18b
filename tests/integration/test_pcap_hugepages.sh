#!/usr/bin/env bash
# test_pcap_hugepages: the pcap replay again, with EAL on real 2 MiB
# hugepages, so the hugepage memory path is exercised where the machine
# allows it. Pages are reserved through sysfs and a hugetlbfs mounted when
# the machine has neither; both are given back afterwards. Exits 77
# (skipped) where hugepages cannot be had.
set -euo pipefail
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mnt=/dev/hugepages
free_pages() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }
skip() { echo "test_pcap_hugepages: $*; skipped" >&2; exit 77; }
before=$(cat "$nr" 2>/dev/null || echo 0)
mounted_here=0
restore() {
	if [ "$mounted_here" = 1 ]; then
		umount "$mnt" 2>/dev/null || true
	fi
	echo "$before" >"$nr" 2>/dev/null || true
}
trap restore EXIT
if [ "$(free_pages)" -lt 512 ]; then
	echo $((before + 512)) >"$nr" 2>/dev/null || skip "cannot reserve hugepages"
	[ "$(free_pages)" -ge 512 ] || skip "the kernel gave fewer than 512 hugepages"
fi
if ! grep -q " hugetlbfs " /proc/mounts; then
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt" 2>/dev/null ||
		skip "cannot mount hugetlbfs"
	mounted_here=1
fi
SL_TEST_NAME=test_pcap_hugepages SL_EXTRA="--set eal.hugepages=yes" \
	bash "$(dirname "$0")/test_pcap.sh" "$@"
