#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# copy-ko.sh - copy one kernel module, decompressed: finit_module() and
# insmod without kmod take it as it is.
#
# usage: copy-ko.sh SRC DEST
#
# SRC is the module's path without its suffix; SRC.ko, SRC.ko.xz,
# SRC.ko.zst or SRC.ko.gz is taken, the first that exists. Exits 1,
# naming SRC, when none does.
set -eu

[ $# -eq 2 ] || { echo "usage: copy-ko.sh SRC DEST" >&2; exit 2; }
if [ -f "$1.ko" ]; then
	cp "$1.ko" "$2"
elif [ -f "$1.ko.xz" ]; then
	xz -dc "$1.ko.xz" >"$2"
elif [ -f "$1.ko.zst" ]; then
	zstd -qdc "$1.ko.zst" >"$2"
elif [ -f "$1.ko.gz" ]; then
	gzip -dc "$1.ko.gz" >"$2"
else
	echo "copy-ko.sh: no module $1.ko[.xz|.zst|.gz]" >&2
	exit 1
fi
