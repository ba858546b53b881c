#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-report.sh - turn the BENCH lines of one make bench boot into a table,
# a JSON file and a PNG bar chart.
#
# usage: bench-report.sh BENCH_LOG OUTDIR LABEL
#
# BENCH_LOG holds both of make bench's boots (the 1-CPU one and the
# 2-CPU scale one); their BENCH-MEM lines make the memory table.
#
# For each workload and device: the median over the runs of the cost per
# operation, in host nanoseconds (CLOCK_MONOTONIC inside the emulated host)
# and in guest TSC ticks (Bochs: emulated instructions), with the spread
# (max - min) as a percentage of the median; the vtx/KVM ratio of the
# medians; every VM exit per operation, as each device counts them, and
# the exits to user space per operation. vtx's IA32_SPEC_CTRL modes are
# each compared with KVM's single one. Below the table, the issue's
# targets, each computed from the same medians: a target is met when the
# ratio is within it in host ns and, where the workload has one, in guest
# TSC ticks too (for the slot*_touch* rows the TSC covers the guest's
# touches, the ns the set of the slot as well). Writes OUTDIR/bench.txt,
# OUTDIR/bench.json and, if gnuplot is installed, OUTDIR/bench.png.
set -eu

[ $# -eq 3 ] || { echo "usage: bench-report.sh BENCH_LOG OUTDIR LABEL" >&2; exit 2; }
log=$1
out=$2
label=$3
mkdir -p "$out"

# One line per (dev, work, mode): dev work mode n runs med_ns spread_ns
# med_tsc spread_tsc exits_per_op user_exits_per_op.
summary=$out/bench.summary
awk '
/^BENCH / {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	key = f["dev"] " " f["work"] " " f["mode"]
	if (!(key in nruns)) { order[++nkeys] = key; n[key] = f["n"] }
	r = ++nruns[key]
	ns[key, r] = f["ns"] / f["n"]
	tsc[key, r] = f["tsc"] / f["n"]
	ex[key] = f["exits"] / f["n"]
	uex[key] = f["uexits"] / f["n"]
}
function median(a, key, m,   i, j, t, v) {
	for (i = 1; i <= m; i++) v[i] = a[key, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
		if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	lo = v[1]; hi = v[m]
	return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
	for (k2 = 1; k2 <= nkeys; k2++) {
		key = order[k2]; m = nruns[key]
		mn = median(ns, key, m); sn = mn ? 100 * (hi - lo) / mn : 0
		mt = median(tsc, key, m); st = mt ? 100 * (hi - lo) / mt : 0
		printf "%s %d %d %.1f %.1f %.1f %.1f %.3f %.3f\n", key, n[key], m, mn, sn, mt, st, ex[key], uex[key]
	}
}' "$log" >"$summary"

# The table: vtx rows paired with the KVM row of the same workload.
awk -v label="$label" '
{ dev[NR] = $1; work[NR] = $2; mode[NR] = $3; line[NR] = $0
  if ($1 == "kvm") { kvm[$2 " " $3] = NR; kvm[$2] = NR } }
END {
	printf "%s\n\n", label
	printf "%-22s %12s %7s %12s %7s %8s %11s %11s %8s %13s %13s\n",
	       "workload", "vtx ns/op", "spread", "KVM ns/op", "spread",
	       "vtx/KVM", "vtx tsc/op", "KVM tsc/op", "tsc v/K",
	       "exits/op v/K", "uexits/op v/K"
	for (i = 1; i <= NR; i++) {
		if (dev[i] != "vtx") continue
		split(line[i], a, " ")
		w = work[i] (mode[i] == "-" ? "" : " " mode[i])
		k = (work[i] " " mode[i]) in kvm ? work[i] " " mode[i] : work[i]
		if (k in kvm) {
			split(line[kvm[k]], b, " ")
			r = b[6] ? a[6] / b[6] : 0
			rt = b[8] ? a[8] / b[8] : 0
			printf "%-22s %12.0f %6.1f%% %12.0f %6.1f%% %8.2f %11.0f %11.0f %8s %6.2f/%-6.2f %6.2f/%-6.2f\n",
			       w, a[6], a[7], b[6], b[7], r, a[8], b[8],
			       rt ? sprintf("%.2f", rt) : "-", a[10], b[10],
			       a[11], b[11]
		} else {
			printf "%-22s %12.0f %6.1f%% %12s %7s %8s %11.0f %11s %8s %6.2f/%-6s %6.2f/%-6s\n",
			       w, a[6], a[7], "-", "", "-", a[8], "-", "-", a[10], "-",
			       a[11], "-"
		}
	}
}' "$summary" >"$out/bench.txt"

# The targets: ratios of medians from this run, in ns and in TSC ticks.
awk '
{ k = $1 " " $2 " " $3; ns[k] = $6; tsc[k] = $8; ex[k] = $10 }
# A workload that must not exit at all: its VM exits per operation.
function no_exits(what, a) {
	if (!(a in ex)) {
		printf "%-52s %7s %7s %6s  n/a\n", what, "-", "-", "0"
		return
	}
	printf "%-52s %7.3f %7s %6s  %s\n", what, ex[a], "-", "0",
	       ex[a] == 0 ? "met" : "NOT met"
}
# A ratio, with a third decimal where two would round a miss onto the goal.
function ratio(r, limit) {
	if (limit && r > limit && sprintf("%.2f", r) + 0 <= limit)
		return sprintf("%.3f", r)
	return sprintf("%.2f", r)
}
function target(what, a, b, limit,   rn, rt) {
	if (!(a in ns) || !(b in ns) || !ns[b]) {
		printf "%-52s %7s %7s %6s  n/a\n", what, "-", "-",
		       limit ? "<=" limit : "-"
		return
	}
	rn = ns[a] / ns[b]
	rt = tsc[b] ? tsc[a] / tsc[b] : 0
	printf "%-52s %7s %7s %6s  %s\n", what, ratio(rn, limit),
	       rt ? ratio(rt, limit) : "-", limit ? "<=" limit : "-",
	       !limit ? "-" : (rn <= limit && (!rt || rt <= limit)) ? "met" : "NOT met"
}
# What share of the KVM time the work both devices do (the host clearing
# the pages it faults in) takes: the most a faster EPT path can save.
function share(what, full, pre,   f, p) {
	f = "kvm " full; p = "kvm " pre
	if (!(f in ns) || !(p in ns) || !ns[f]) {
		printf "%-52s %7s %7s %6s  n/a\n", what, "-", "-", "-"
		return
	}
	printf "%-52s %7.2f %7s %6s  %s\n", what, (ns[f] - ns[p]) / ns[f], "-", "-",
	       sprintf("vtx / KVM >= %.2f", (ns[f] - ns[p]) / ns[f])
}
# The walk over @n VMCSs, whole, in emulated milliseconds.
function crash_total(what, k, n, limit,   ms) {
	if (!(k in ns)) {
		printf "%-52s %7s %7s %6s  n/a\n", what, "-", "-", "<" limit
		return
	}
	ms = ns[k] * n / 1e6
	printf "%-52s %7.3f %7s %6s  %s\n", what, ms, "-", "<" limit,
	       ms < limit ? "met" : "NOT met"
}
# Linear: the cost of each further VMCS is the same from 16 to 64 as from
# 64 to 256 (the fixed part of the walk drops out of both slopes).
function crash_linear(what,   a, b, c, s1, s2, r) {
	a = "vtx crash_walk n16"; b = "vtx crash_walk n64"; c = "vtx crash_walk n256"
	if (!(a in tsc) || !(b in tsc) || !(c in tsc)) {
		printf "%-52s %7s %7s %6s  n/a\n", what, "-", "-", "~1"
		return
	}
	s1 = (tsc[b] * 64 - tsc[a] * 16) / 48
	s2 = (tsc[c] * 256 - tsc[b] * 64) / 192
	r = s1 ? s2 / s1 : 0
	printf "%-52s %7s %7.2f %6s  %s\n", what, "-", r, "~1",
	       (r >= 0.8 && r <= 1.25) ? "met" : "NOT met"
}
END {
	printf "\n%-52s %7s %7s %6s  %s\n", "target", "ns", "tsc", "goal", "result"
	target("in-kernel exit (cpuid): vtx / KVM", "vtx cpuid -", "kvm cpuid -", 0.5)
	target("user-space round trip (out): vtx / KVM", "vtx out -", "kvm out -", 0.7)
	target("spec_ctrl intercept / vtx in-kernel exit (cpuid)",
	       "vtx spec_ctrl intercept", "vtx cpuid -", 1.0)
	target("create + run + destroy: vtx / KVM", "vtx create -", "kvm create -", 0.5)
	target("  of which the vCPU and its run: vtx / KVM",
	       "vtx create vcpu-run", "kvm create vcpu-run", 0.5)
	target("vtx cpuid / vtx floor (floor_invd)", "vtx cpuid -", "vtx floor_invd -", 1.5)
	target("vtx spec_ctrl intercept / vtx floor (floor_invd)",
	       "vtx spec_ctrl intercept", "vtx floor_invd -", 1.5)
	no_exits("spec_ctrl virtualize: exits per guest WRMSR",
		 "vtx spec_ctrl virtualize")
	target("slot64m set, 4 KiB pages: vtx / KVM (no target)",
	       "vtx slot64m set-4k", "kvm slot64m set-4k", 0)
	target("slot64m delete, 4 KiB pages: vtx / KVM (no target)",
	       "vtx slot64m delete-4k", "kvm slot64m delete-4k", 0)
	target("slot64m set, huge pages: vtx / KVM (no target)",
	       "vtx slot64m set-thp", "kvm slot64m set-thp", 0)
	target("slot64m delete, huge pages: vtx / KVM (no target)",
	       "vtx slot64m delete-thp", "kvm slot64m delete-thp", 0)
	target("64 MiB set + touch every page, 4 KiB: vtx / KVM",
	       "vtx slot64m_touch 4k", "kvm slot64m_touch 4k", 0.7)
	target("64 MiB set + touch every page, huge: vtx / KVM",
	       "vtx slot64m_touch thp", "kvm slot64m_touch thp", 0.7)
	target("512 MiB set + touch 1 MiB, 4 KiB: vtx / KVM",
	       "vtx slot512m_touch1m 4k", "kvm slot512m_touch1m 4k", 1.0)
	target("512 MiB set + touch 1 MiB, huge: vtx / KVM",
	       "vtx slot512m_touch1m thp", "kvm slot512m_touch1m thp", 1.0)
	target("EPT-violation path alone (4k-pre): vtx / KVM",
	       "vtx slot64m_touch 4k-pre", "kvm slot64m_touch 4k-pre", 1.0)
	target("EPT-violation path alone (thp-pre): vtx / KVM",
	       "vtx slot64m_touch thp-pre", "kvm slot64m_touch thp-pre", 1.0)
	share("64 MiB 4k touch: page-clearing share of KVM time",
	      "slot64m_touch 4k", "slot64m_touch 4k-pre")
	target("64 x 2-vCPU VMs, create + destroy: vtx / KVM",
	       "vtx create64x2 -", "kvm create64x2 -", 0.5)
	target("vtx ns/exit, 2 vCPUs at once / 1 vCPU alone",
	       "vtx exits_2vcpu cpuid", "vtx exits_1vcpu cpuid", 1.11)
	target("KVM ns/exit, 2 vCPUs at once / 1 vCPU alone",
	       "kvm exits_2vcpu cpuid", "kvm exits_1vcpu cpuid", 1.11)
	crash_total("crash walk of 256 VMCSs, emulated ms", "vtx crash_walk n256", 256, 1.0)
	crash_linear("crash walk, ns per VMCS 64->256 / 16->64 (0.8-1.25)")
}' "$summary" >>"$out/bench.txt"

# Memory per VM and per vCPU (the scale boot's BENCH-MEM lines): the
# median over the runs of the memory cgroup's charge, in KiB.
awk '
/^BENCH-MEM / {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["dev"] " " f["what"]; v[k, ++m[k]] = f["kib"]
}
function median(k, n,   i, j, t, a) {
	for (i = 1; i <= n; i++) a[i] = v[k, i]
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	if (!length(m)) exit
	printf "\n%-52s %9s %9s\n", "memory charged to the VMM (memcg, KiB, median)", "vtx", "KVM"
	printf "%-52s %9.1f %9.1f\n", "per VM (64 VMs, no vCPU, no memory slot)",
	       median("vtx vm", m["vtx vm"]), median("kvm vm", m["kvm vm"])
	printf "%-52s %9.1f %9.1f\n", "per vCPU (128 vCPUs, kvm_run mapped)",
	       median("vtx vcpu", m["vtx vcpu"]), median("kvm vcpu", m["kvm vcpu"])
}' "$log" >>"$out/bench.txt"

# JSON: one object per (dev, work, mode).
awk -v label="$label" '
BEGIN { printf "{\n  \"label\": \"%s\",\n  \"results\": [\n", label }
{ printf "%s    {\"dev\": \"%s\", \"work\": \"%s\", \"mode\": \"%s\", \"n\": %d, \"runs\": %d, \"ns_per_op\": %s, \"ns_spread_pct\": %s, \"tsc_per_op\": %s, \"tsc_spread_pct\": %s, \"exits_per_op\": %s, \"user_exits_per_op\": %s}",
         (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }
END { printf "\n  ]\n}\n" }' "$summary" >"$out/bench.json"

if command -v gnuplot >/dev/null; then
	awk '$1 == "vtx" { w = $2 ($3 == "-" ? "" : "-" $3); v[w] = $6; o[++n] = w
			   k[w] = $2; km[w] = $2 " " $3 }
	     $1 == "kvm" { kv[$2] = $6; kv[$2 " " $3] = $6 }
	     END { for (i = 1; i <= n; i++) { w = o[i]
			   x = (km[w] in kv) ? kv[km[w]] : (k[w] in kv) ? kv[k[w]] : 0
			   printf "%s %s %s\n", w, v[w], x } }' \
		"$summary" >"$out/bench.dat"
	gnuplot <<EOF
set terminal png size 1100,560 noenhanced
set output "$out/bench.png"
set title "$label\ncost per operation (host ns, median of the runs)"
set rmargin 10
set bmargin 8
set style data histograms
set style fill solid 0.8
set logscale y
set ylabel "ns per operation"
set xtics rotate by -30
plot "$out/bench.dat" using 2:xtic(1) title "vtx", "" using 3 title "KVM"
EOF
fi
cat "$out/bench.txt"
