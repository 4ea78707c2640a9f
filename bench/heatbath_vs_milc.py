#!/usr/bin/env python3
"""Per-link costs of MILC su3_ora and ymflow bench_heatbath from raw outputs.

usage: heatbath_vs_milc.py RESULTS_DIR

MILC (milc_L<L>_r<k>.in/.out, dclock = process CPU time): one process runs the
input sets  thermalise (4 OR + 1 HB) x n0;  (1 OR, 0 HB) x n;  (0, 1) x n;
(0, 0) x n;  [(4, 1) x m]; each set prints its CPU seconds ("Time ="). With
the same n in the middle three sets, the per-trajectory overhead c (unitarity
check, reunitarisation, one measurement / n) cancels:
    t_or = T(1,0)/n - T(0,0)/n,   t_hb = T(0,1)/n - T(0,0)/n,
and per link = t / (4 L^4). The (4,1) set checks 4 t_or + t_hb + c.
ymflow: cpu_core_us_per_link of the hb / or rows of the CSV files.
Prints one row per run and the medians.
"""
import csv
import glob
import os
import re
import statistics as st
import sys


def milc_runs(d):
    out = []
    for f in sorted(glob.glob(os.path.join(d, "milc_L*.out"))):
        inp = open(f[:-4] + ".in").read()
        L = int(re.search(r"^nx (\d+)", inp, re.M).group(1))
        sets = re.findall(r"trajecs (\d+)\s+traj_between_meas \d+\s+beta \S+\s+steps_per_trajectory (\d+)\s+qhb_steps (\d+)", inp)
        times = [float(t) for t in re.findall(r"^Time = (\S+) seconds", open(f).read(), re.M)]
        if len(times) != len(sets):
            print(f"# {f}: {len(times)} timings for {len(sets)} sets, skipped")
            continue
        by = {(int(a), int(b)): (int(n), t) for (n, a, b), t in zip(sets[1:], times[1:])}
        n, c = by[(0, 0)]
        links = 4 * L ** 4
        tor = (by[(1, 0)][1] - c) / n
        thb = (by[(0, 1)][1] - c) / n
        row = dict(L=L, run=os.path.basename(f), hb=1e6 * thb / links, orr=1e6 * tor / links, c=1e6 * c / n / links)
        if (4, 1) in by:
            m, t = by[(4, 1)]
            row["check"] = (t / m) / (4 * tor + thb + c / n)
        out.append(row)
    return out


def ymflow_runs(d, pattern):
    out = []
    for f in sorted(glob.glob(os.path.join(d, pattern))):
        for r in csv.DictReader(line for line in open(f) if not line.startswith("#")):
            if r["kind"] in ("hb", "or"):
                out.append(dict(run=os.path.basename(f), kind=r["kind"], N=int(r["N"]), L=int(r["L"]),
                                ranks=int(r["ranks"]), cpu=float(r["cpu_core_us_per_link"])))
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench/results/milc"
    m = milc_runs(d)
    print("MILC su3_ora (double), CPU us per link update")
    for r in m:
        print(f"  {r['run']:18s} L={r['L']:2d} hb {r['hb']:.3f} or {r['orr']:.3f} per-traj overhead/link {r['c']:.3f}"
              + (f" (4,1)-check {r['check']:.3f}" if "check" in r else ""))
    med = {}
    for L in sorted({r["L"] for r in m}):
        rs = [r for r in m if r["L"] == L]
        med[L] = {k: st.median(r[k] for r in rs) for k in ("hb", "orr", "c")}
        print(f"  median L={L:2d} ({len(rs)} runs): hb {med[L]['hb']:.3f} or {med[L]['orr']:.3f} c {med[L]['c']:.3f}"
              f"  [1 HB + 4 OR trajectory per link: {(med[L]['hb'] + 4 * med[L]['orr'] + med[L]['c']) / 5:.3f}]"
              f"  ranges hb {min(r['hb'] for r in rs):.3f}-{max(r['hb'] for r in rs):.3f}"
              f" or {min(r['orr'] for r in rs):.3f}-{max(r['orr'] for r in rs):.3f}")
    for label, pat in (("ymflow before (cool walker staples)", "ymflow_L*.csv"),
                       ("ymflow after (Wilson staple kernel)", "ymflownew_*.csv")):
        y = ymflow_runs(d, pat)
        if not y:
            continue
        print(label + ", CPU core-us per link update (median over runs)")
        for key in sorted({(r["N"], r["L"], r["ranks"], r["kind"]) for r in y}):
            v = [r["cpu"] for r in y if (r["N"], r["L"], r["ranks"], r["kind"]) == key]
            N, L, P, k = key
            ratio = ""
            if N == 3 and P == 1 and L in med:
                ratio = f"  ymflow/MILC {st.median(v) / med[L]['hb' if k == 'hb' else 'orr']:.2f}"
            print(f"  SU({N}) L={L:2d} ranks={P} {k}: {st.median(v):.3f} (runs: {', '.join(f'{x:.3f}' for x in v)}){ratio}")


if __name__ == "__main__":
    main()
