#!/bin/sh
# TAP smoke test of examples/su2-vacuum/run.sh on a tiny ensemble (SU(2),
# beta 2.4, 8^4, 3 configurations, 10 over-improved cooling sweeps).
# Oracles: the script runs from the build tree (YMFLOW = this build's
# ymflow) and exits 0; summary.tsv and rho_hist.tsv have the documented
# columns and every quantity the example reports; the values that exist on
# any ensemble are finite, the sizes are finite when instantons were found
# and nan when none were; internal identities: the histogram counts add up
# to (instantons + anti-instantons per configuration) x configurations,
# instanton_density = that number / (configurations (L a)^4),
# chi_top_quarter = chi_top^(1/4) hbar c (1e-4 relative, printing
# precision); and the plaquette lies within 0.02 of 0.6300 (the large-volume
# beta = 2.4 value; 0.02 is far beyond the statistical error of this chain,
# a loose bound that catches a wrong beta or N).
: "${top_builddir:=.}"
: "${top_srcdir:=${srcdir:-.}}"
Y="$top_builddir/ymflow"
case "$Y" in /*) ;; *) Y="$PWD/$Y" ;; esac
S="$top_srcdir/examples/su2-vacuum/run.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }
YMFLOW="$Y" OUT="$T/o" timeout 300 sh "$S" 8 3 3 10 20 >"$T/out" 2>"$T/err"
rc=$?
ok $rc "run.sh 8 3 3 10 20 exits 0 (rc $rc: $(head -c 300 "$T/err"))"
[ "$(head -1 "$T/o/summary.tsv")" = "$(printf 'quantity\tvalue\terr\tunit')" ]
ok $? "summary.tsv columns: quantity value err unit"
[ "$(head -1 "$T/o/rho_hist.tsv")" = "$(printf 'rho_lo_fm\trho_hi_fm\trho_lo_a\trho_hi_a\tcount\tdensity_fm-5')" ]
ok $? "rho_hist.tsv columns: rho_lo_fm rho_hi_fm rho_lo_a rho_hi_a count density_fm-5"
get() {
    if [ -f "$T/o/summary.tsv" ]; then
        awk -F'\t' -v k="$1" -v c="${2:-2}" '$1 == k { print $c; f = 1 } END { if (!f) print "missing" }' "$T/o/summary.tsv"
    else echo missing; fi
}
for q in lattice_spacing cooling_sweeps plaquette plaquette_tau_int configurations instantons_per_config \
    anti_instantons_per_config instanton_density mean_rho mean_nn_distance Q2 chi_top chi_top_quarter \
    chi_top_rounded_Q chi_top_quarter_rounded_Q rho_histogram_peak; do
    [ "$(get $q)" != missing ]; ok $? "summary reports $q"
done
finite() { awk -v v="$1" 'BEGIN { exit !(v == v + 0 && v - v == 0) }'; }
for q in lattice_spacing plaquette instanton_density Q2 chi_top chi_top_quarter; do
    finite "$(get $q)"; ok $? "$q is finite ($(get $q))"
done
for q in plaquette instanton_density chi_top; do
    finite "$(get $q 3)"; ok $? "$q has a finite error ($(get $q 3))"
done
# sizes and distances exist only when instantons were found (an 8^4 box of
# 0.95 fm often holds none that pass the finder's cuts): finite then, nan else
if awk -v d="$(get instanton_density)" 'BEGIN { exit !(d > 0) }'; then
    for q in mean_rho rho_histogram_peak; do finite "$(get $q)"; ok $? "instantons found: $q is finite ($(get $q))"; done
else
    for q in mean_rho rho_histogram_peak; do [ "$(get $q)" = nan ]; ok $? "no instantons found: $q is nan"; done
fi
[ "$(get configurations)" = 3 ] && [ "$(get cooling_sweeps)" = 10 ]; ok $? "3 configurations, 10 cooling sweeps"
awk -F'\t' 'NR > 1 { for (i = 1; i <= 6; ++i) if (!($i == $i + 0 && $i - $i == 0)) bad = 1; ++r } END { exit bad || !r }' \
    "$T/o/rho_hist.tsv"; ok $? "rho_hist.tsv: every entry finite, at least one bin"
tot=$(awk -F'\t' 'NR > 1 { s += $5 } END { print s + 0 }' "$T/o/rho_hist.tsv")
exp=$(awk -v a="$(get instantons_per_config)" -v b="$(get anti_instantons_per_config)" 'BEGIN { printf "%.0f", 3 * (a + b) }')
[ "$tot" = "$exp" ]; ok $? "histogram counts $tot = (instantons + anti-instantons per configuration) x 3 = $exp"
awk -v d="$(get instanton_density)" -v a="$(get lattice_spacing)" -v t="$tot" \
    'BEGIN { e = t / (3 * (8 * a)^4); exit !(d - e <= 1e-4 * e + 1e-9 && e - d <= 1e-4 * e + 1e-9) }'
ok $? "instanton_density = count / (configurations (L a)^4)"
awk -v c="$(get chi_top)" -v q="$(get chi_top_quarter)" \
    'BEGIN { e = c^0.25 * 197.3269804; exit !(q - e <= 2e-4 * e && e - q <= 2e-4 * e) }'
ok $? "chi_top_quarter = chi_top^(1/4) hbar c"
awk -v p="$(get plaquette)" 'BEGIN { exit !(p > 0.61 && p < 0.65) }'; ok $? "plaquette $(get plaquette) within 0.02 of 0.6300"
grep -q "^# reference" "$T/out"; ok $? "the printed report quotes the reference"
echo "1..$n"
[ "$fails" = 0 ]
