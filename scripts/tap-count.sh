#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tap-count.sh - count the results of a Bochs test boot (see scripts/init.sh).
#
# usage: tap-count.sh [--label L] [--counts FILE] [--console CONSOLE_LOG] RESULTS_LOG
#
# Reads the VTX-PLAN / VTX-BEGIN / VTX-END / VTX-DMESG-* / VTX-DONE framed
# log (carriage returns are ignored), prints every test's lines prefixed with
# "[L] ", counts the top-level TAP result lines ("ok", "not ok", "# SKIP"
# directive) and adds one failure for:
#   - a planned test with no VTX-END (crash, hang, guest died),
#   - a test with no result lines (unless rc=4: one skip),
#   - a nonzero rc other than 4 with no "not ok" line,
#   - fewer result lines than the test's own "1..N" plan,
#   - a missing VTX-DONE (timeout, panic, boot failure), a missing (when
#     VTX-DONE is there) or empty VTX-PLAN, a VTX-ERROR line, or a second
#     VTX-PLAN (the guest rebooted).
# On any failure it also prints the guest's dmesg from "Run /init" on, and without
# VTX-DONE the last 30 lines of CONSOLE_LOG. Writes "P F S" to FILE and ends
# with "L: P passed, F failed, S skipped". Exits 0 if F is 0, else 1.
#
# If RESULTS_LOG has no VTX-PLAN but CONSOLE_LOG has (init could not use
# ttyS1), CONSOLE_LOG is parsed instead.
set -eu

label=emu
counts=''
console=''
while [ $# -gt 1 ]; do
	case $1 in
	--label) label=$2 ;;
	--counts) counts=$2 ;;
	--console) console=$2 ;;
	*) break ;;
	esac
	shift 2
done
if [ $# -ne 1 ]; then
	echo "usage: tap-count.sh [--label L] [--counts FILE] [--console LOG] RESULTS_LOG" >&2
	exit 2
fi
results=$1

src=$results
if ! grep -q '^VTX-PLAN' "$results" 2>/dev/null && [ -n "$console" ] &&
	grep -q '^VTX-PLAN' "$console" 2>/dev/null; then
	echo "[$label] note: no results on ttyS1, parsing the console log"
	src=$console
fi
[ -f "$src" ] || src=/dev/null

summary=$(awk -v P="[$label] " -v F="$src" '
function directive(line,   i) {
	# The TAP directive follows the first " #" of a result line.
	i = index(line, " #")
	if (i == 0)
		return ""
	line = toupper(substr(line, i + 2))
	sub(/^[ \t]+/, "", line)
	return line
}
function flag(name, why) {
	nfail++
	print P "FAIL " name ": " why
	bad = 1
}
function rcnote(rc) {
	if (rc == 124 || rc == 137 || rc == 143)
		return ", killed by the per-test vtxtimeout bound?"
	if (rc > 128)
		return ", killed by signal " rc - 128
	return ""
}
function finish(name, rc,   np, nf, ns, nr) {
	np = tp[name] + 0; nf = tf[name] + 0; ns = ts[name] + 0
	nr = np + nf + ns
	if (nr == 0 && rc == 4) {
		nskip++
		ns++
		print P "SKIP " name ": whole binary skipped (rc=4)"
	} else if (nr == 0) {
		flag(name, "no TAP result lines (rc=" rc rcnote(rc) ")")
	} else if (rc != 0 && rc != 4 && nf == 0) {
		flag(name, "exited rc=" rc " without a failing result" rcnote(rc))
	} else if ((name in tplan) && nr < tplan[name]) {
		flag(name, "only " nr " of " tplan[name] " results (rc=" rc rcnote(rc) ")")
	}
	print P "== " name ": rc=" rc ", " np " passed, " nf " failed, " ns " skipped"
}
{
	gsub(/\r/, "")
}
stop { next }
/^VTX-PLAN/ {
	if (haveplan) {
		flag("run", "second VTX-PLAN: the guest rebooted")
		stop = 1
		next
	}
	haveplan = 1
	for (i = 2; i <= NF; i++) {
		order[++nplan] = $i
		planned[$i] = 1
	}
	print P "plan: " nplan + 0 " test binaries"
	next
}
/^VTX-BEGIN / {
	cur = $2
	print P "== " cur
	next
}
/^VTX-END / {
	name = $2
	rc = $3
	sub(/^rc=/, "", rc)
	ended[name] = 1
	finish(name, rc + 0)
	cur = ""
	next
}
/^VTX-DMESG-BEGIN/ { indmesg = 1; next }
/^VTX-DMESG-END/ { indmesg = 0; next }
/^VTX-DONE/ { done = 1; next }
/^VTX-ERROR/ { flag("init", $0); next }
indmesg { dmesg[++ndmesg] = $0; next }
cur != "" {
	print P $0
	if ($0 ~ /^(not )?ok( |$)/) {
		d = directive($0)
		if (d ~ /^SKIP/) {
			ts[cur]++; nskip++
		} else if ($0 ~ /^not ok/) {
			tf[cur]++; nfail++; bad = 1
		} else {
			tp[cur]++; npass++
		}
	} else if ($0 ~ /^1\.\.[0-9]+/ && !(cur in tplan)) {
		n = $0
		sub(/^1\.\./, "", n)
		sub(/[^0-9].*$/, "", n)
		tplan[cur] = n + 0
	}
	next
}
END {
	for (i = 1; i <= nplan; i++)
		if (!(order[i] in ended))
			flag(order[i], "no VTX-END (crashed, hung or the guest died)")
	if (!haveplan && done)
		flag("run", "no VTX-PLAN in the results")
	else if (haveplan && nplan == 0)
		flag("run", "VTX-PLAN lists no tests")
	if (!done)
		flag("run", "no VTX-DONE (guest timed out, hung or crashed)")
	if (bad && ndmesg > 0) {
		# Boot messages are in the log file; show those from /init on.
		first = 1
		for (i = 1; i <= ndmesg; i++)
			if (dmesg[i] ~ /Run \/init as init process/)
				first = i
		print P "---- guest dmesg ----"
		if (first > 1)
			print P "dmesg| (" first - 1 " boot lines omitted, see " F ")"
		for (i = first; i <= ndmesg; i++)
			print P "dmesg| " dmesg[i]
		print P "---- end of guest dmesg ----"
	}
	printf "@@ %d %d %d %d\n", npass, nfail, nskip, done
}
' "$src")

printf '%s\n' "$summary" | grep -v '^@@ '
read -r pass fail skip finished <<EOF
$(printf '%s\n' "$summary" | sed -n 's/^@@ //p')
EOF

if [ "$finished" -eq 0 ] && [ -n "$console" ]; then
	echo "[$label] ---- last 30 lines of $console ----"
	if [ -f "$console" ]; then
		tail -n 30 "$console" | tr -d '\r' | sed "s/^/[$label] console| /"
	fi
	echo "[$label] ---- end of console ----"
fi

if [ -n "$counts" ]; then
	echo "$pass $fail $skip" >"$counts"
fi
echo "$label: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
