#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# install-check.sh - make check's install tier: both ways onto a real host,
# make install and DKMS, proven in temporary trees. Nothing outside them
# changes: make install and dkms get a private root, dkms a throwaway
# signing key, and depmod runs with -b on the private root only.
#
# usage: install-check.sh [--out COUNTSFILE]
#
# For the kernel make builds for, the Makefile's ABI (make print-abi):
#   1  make install INSTALL_MOD_PATH=<tmp> puts vtx.ko in
#      <tmp>/lib/modules/<abi>/updates/
#   2  depmod's modules.dep there lists it
#   3  modinfo -F version of it is the version in VERSION
#   4  make uninstall with the same root removes it, and modules.dep with it
#   5  make dkms-src stages vtx-<version> with that version in its
#      dkms.conf, and neither tests, scripts nor build products
#   6  dkms add and build of the staged tree against <abi>'s headers,
#      with private --dkmstree, --sourcetree and --installtree
#   7  dkms's vtx.ko exists, built for <abi>
#   8  dkms signed it with the MOK key it was given (Secure Boot)
#   9  dkms install puts it in updates/dkms, which depmod then lists
#      (a skip without root: dkms install insists on it)
#  10  make load's tools (make host-tools) build in an empty build
#      directory, where there is no kselftest and no kernel source, and
#      deps.sh --build's packages include neither linux-source nor Bochs
# Prints "ok N - ..." or "not ok N - ..." for each; COUNTSFILE gets "P F S".
set -eu

usage() {
	echo "usage: install-check.sh [--out COUNTSFILE]" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/.." && pwd)
counts=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--out) counts=$2 ;;
	*) usage ;;
	esac
	shift 2
done

# Until every check has run, the tier counts as one failure.
[ -z "$counts" ] || echo "0 1 0" >"$counts"
cd "$top"

# depmod, modinfo and dkms are in /sbin and /usr/sbin.
PATH=$PATH:/usr/sbin:/sbin
export PATH

abi=$(make -s --no-print-directory print-abi)
version=$(cat VERSION)
if [ -z "$abi" ]; then
	echo "not ok 1 - make print-abi gives no kernel ABI (no apt lists?)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vtx-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
pass=0
fail=0
skip=0

# result RC DESCRIPTION [LOG]: one TAP line; on failure, LOG's last lines.
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
		pass=$((pass + 1))
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
		if [ $# -ge 3 ] && [ -f "$3" ]; then
			tail -n 20 "$3" | sed 's/^/# /'
		fi
	fi
}

echo "# kernel $abi, vtx $version, in $tmp"

# make install and make uninstall, staged.
root=$tmp/root
moddir=$root/lib/modules/$abi
log=$tmp/install.log
rc=0
make -s --no-print-directory install KVER="$abi" INSTALL_MOD_PATH="$root" \
	>"$log" 2>&1 || rc=$?
[ $rc -eq 0 ] && [ -f "$moddir/updates/vtx.ko" ] || rc=1
result $rc "make install puts vtx.ko in <root>/lib/modules/$abi/updates" "$log"

rc=0
grep -q '^updates/vtx\.ko:' "$moddir/modules.dep" 2>/dev/null || rc=1
result $rc "depmod's modules.dep lists updates/vtx.ko" "$log"

got=$(modinfo -F version "$moddir/updates/vtx.ko" 2>/dev/null) || got=
rc=0
[ "$got" = "$version" ] || rc=1
result $rc "modinfo -F version of the installed vtx.ko is $version (got '$got')"

log=$tmp/uninstall.log
rc=0
make -s --no-print-directory uninstall KVER="$abi" INSTALL_MOD_PATH="$root" \
	>"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ] || [ -e "$moddir/updates/vtx.ko" ] ||
	grep -q 'vtx\.ko' "$moddir/modules.dep" 2>/dev/null; then
	rc=1
fi
result $rc "make uninstall removes it, and modules.dep no longer lists it" "$log"

# DKMS, on private trees: the sources as make dkms-install ships them.
stage=$tmp/stage
src=$stage/usr/src/vtx-$version
log=$tmp/dkms-src.log
rc=0
make -s --no-print-directory dkms-src DESTDIR="$stage" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ] ||
	! grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf" ||
	[ -e "$src/selftests" ] || [ -e "$src/scripts" ] ||
	[ -e "$src/kunit" ] ||
	[ -n "$(find "$src" -name '*.o' -o -name '*.ko' -o -name '.*.cmd')" ]; then
	rc=1
fi
result $rc "make dkms-src stages vtx-$version: its dkms.conf, no tests, no build products" "$log"

# dkms reads its signing key and certificate from these variables, as from
# its framework.conf: a throwaway pair, so it neither uses nor creates
# /var/lib/dkms/mok.key. MAKEFLAGS from make check stays out of its make.
dkms_tree=$tmp/dkms
inst_root=$tmp/dkms-root
mkdir -p "$dkms_tree" "$inst_root/lib/modules/$abi"
openssl req -new -x509 -nodes -days 1 -subj "/CN=vtx install-check" \
	-newkey rsa:2048 -keyout "$tmp/mok.key" -outform DER \
	-out "$tmp/mok.pub" >"$tmp/openssl.log" 2>&1 || true
private_dkms() {
	(
		unset MAKEFLAGS MFLAGS MAKELEVEL
		mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub \
			dkms "$@" --dkmstree "$dkms_tree" \
			--sourcetree "$stage/usr/src" \
			--installtree "$inst_root/lib/modules"
	)
}

log=$tmp/dkms-build.log
rc=0
{
	private_dkms add -m vtx -v "$version" &&
		private_dkms build -m vtx -v "$version" -k "$abi"
} >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	# dkms keeps the build's own log in its tree.
	find "$dkms_tree" -name make.log -exec tail -n 20 {} \; >>"$log" 2>/dev/null || :
fi
result $rc "dkms add and build vtx/$version for $abi (private trees)" "$log"

ko=$(find "$dkms_tree/vtx/$version/$abi" -path '*/module/vtx.ko' 2>/dev/null |
	head -n 1)
magic=
[ -z "$ko" ] || magic=$(modinfo -F vermagic "$ko" 2>/dev/null) || magic=
rc=0
[ -n "$ko" ] && [ "${magic%% *}" = "$abi" ] || rc=1
result $rc "dkms's vtx.ko exists, built for $abi (vermagic '${magic%% *}')"

signer=
[ -z "$ko" ] || signer=$(modinfo -F signer "$ko" 2>/dev/null) || signer=
rc=0
[ "$signer" = "vtx install-check" ] || rc=1
result $rc "dkms signed it with the MOK key it was given (signer '$signer')" "$tmp/openssl.log"

# dkms install insists on root, whatever its trees.
what="dkms install puts it in updates/dkms, and depmod lists it"
if [ "$(id -u)" -ne 0 ]; then
	n=$((n + 1))
	skip=$((skip + 1))
	echo "ok $n - $what # SKIP dkms install needs root"
else
	log=$tmp/dkms-install.log
	rc=0
	{
		private_dkms install -m vtx -v "$version" -k "$abi" --no-depmod &&
			depmod -b "$inst_root" -a "$abi"
	} >"$log" 2>&1 || rc=$?
	grep -q '^updates/dkms/vtx\.ko:' \
		"$inst_root/lib/modules/$abi/modules.dep" 2>/dev/null || rc=1
	result $rc "$what" "$log"
fi

# make load: its tools need neither kselftest nor linux-source-6.1.
log=$tmp/host-tools.log
rc=0
make -s --no-print-directory host-tools BUILD="$tmp/build" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ] || [ -e "$tmp/build/kselftest" ] ||
	[ ! -x "$tmp/build/host-tools/vtx_info" ] ||
	[ ! -x "$tmp/build/host-tools/vtx_demo" ]; then
	rc=1
fi
pkgs=$(sed -n '/^build_pkgs="/,/^"/p' scripts/deps.sh)
case $pkgs in
*linux-source* | *bochs*) rc=1 ;;
esac
result $rc "make load's tools build without kselftest; deps.sh --build installs no kernel source and no Bochs" "$log"

[ -z "$counts" ] || echo "$pass $fail $skip" >"$counts"
echo "install: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
