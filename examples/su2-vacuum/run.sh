#!/bin/sh
# SU(2) vacuum at beta = 2.4 (issue #12 item 5): generate a quenched ensemble
# with `ymflow generate` (heatbath + overrelaxation), smooth every
# configuration with over-improved cooling (S(eps), eps = -1, Garcia Perez et
# al., hep-lat/9309009) and find its instantons with `ymflow clusters`; report
# the instanton density, the size distribution and chi^(1/4) in physical
# units. See README.md in this folder for the scale and the references.
#
# usage: run.sh [L] [COUNT] [EVERY] [COOL] [THERM]
#   L      lattice L^4, a multiple of 4 (over-improved cooling colours links
#          mod 4)                                                 default 12
#   COUNT  configurations                                         default 10
#   EVERY  Monte Carlo sweeps between configurations              default 10
#   COOL   over-improved cooling sweeps per configuration         default 30
#   THERM  thermalisation sweeps (hot start)                      default 100
# environment:
#   YMFLOW      the ymflow binary (default: ymflow on PATH); e.g. _b/ymflow
#   OUT         output folder (default su2-vacuum-out; replaced if an earlier
#               run.sh made it, else refused when not empty)
#   OR          overrelaxation sweeps per heatbath sweep (default 4)
#   SEED        chain seed (default 1)
#   ASQRTSIGMA  a sqrt(sigma) at beta 2.4 (default 0.266, see README.md)
#   SQRTSIGMA   sqrt(sigma) in MeV (default 440)
#   NP          MPI ranks (default 1: no mpirun)
# Writes in OUT: gen.csv, gen.NNNN.ildg (the ensemble), cl_*.tsv (ymflow
# clusters' tables), and the example's tables
#   summary.tsv   quantity value err unit           (one line per result)
#   rho_hist.tsv  rho_lo_fm rho_hi_fm rho_lo_a rho_hi_a count density_fm-5
# and prints both.
set -e
L=${1:-12}; COUNT=${2:-10}; EVERY=${3:-10}; COOL=${4:-30}; THERM=${5:-100}
Y=${YMFLOW:-ymflow}
OUT=${OUT:-su2-vacuum-out}
OR=${OR:-4}; SEED=${SEED:-1}
ASQRTSIGMA=${ASQRTSIGMA:-0.266}; SQRTSIGMA=${SQRTSIGMA:-440}
NP=${NP:-1}
case "$L" in *[!0-9]*|'') echo "run.sh: L must be a number" >&2; exit 1 ;; esac
if [ $((L % 4)) -ne 0 ] || [ "$L" -lt 4 ]; then
    echo "run.sh: L = $L must be a multiple of 4 (over-improved cooling)" >&2; exit 1
fi
if [ "$COUNT" -lt 2 ]; then echo "run.sh: COUNT must be >= 2 (ensemble errors)" >&2; exit 1; fi
RUN=
if [ "$NP" != 1 ]; then
    RUN="mpirun --oversubscribe -n $NP"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# OUT is replaced only when an earlier run of this script made it (marker
# file), so that a mistyped OUT cannot delete someone's folder.
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
    if [ -e "$OUT/.su2-vacuum" ]; then rm -rf "$OUT"
    else echo "run.sh: $OUT exists and was not made by run.sh; choose another OUT" >&2; exit 1; fi
fi
mkdir -p "$OUT"
: >"$OUT/.su2-vacuum"
start=$(date +%s)
$RUN "$Y" generate --N 2 --beta 2.4 --dims "$L" --start hot --therm "$THERM" --every "$EVERY" \
    --count "$COUNT" --or "$OR" --seed "$SEED" --out "$OUT/gen" >"$OUT/generate.log"
mid=$(date +%s)
$RUN "$Y" clusters "$OUT"/gen.[0-9]*.ildg --solver cooling --action overimproved --tmax "$COOL" \
    --out "$OUT/cl" >"$OUT/clusters.log"
end=$(date +%s)

# Plaquette after thermalisation: mean, Gamma-method error (Wolff's automatic
# window, S = 1.5) and tau_int.
grep -v '^#' "$OUT/gen.csv" | awk -F, -v t="$THERM" 'NR > 1 && $1 > t { print $2 }' >"$OUT/plaq.dat"
plaq=$(awk '{ x[n++] = $1; m += $1 } END {
    m /= n; for (i = 0; i < n; ++i) { d[i] = x[i] - m; g0 += d[i] * d[i] } g0 /= n
    tau = 0.5
    if (g0 > 0) for (t = 1; t < n / 2; ++t) {
        g = 0; for (i = 0; i + t < n; ++i) g += d[i] * d[i + t]; g /= n - t
        tau += g / g0
        tt = tau > 0.5 ? 1.5 / log((2 * tau + 1) / (2 * tau - 1)) : 1e-9
        if (exp(-t / tt) - tt / sqrt(t * n) < 0) break
    }
    if (tau < 0.5) tau = 0.5
    printf "%.6f %.6f %.2f %d", m, sqrt(2 * tau * g0 / n), tau, n }' "$OUT/plaq.dat")

# Physical units: a = (a sqrt(sigma)) hbar c / sqrt(sigma).
E="$OUT/cl_ensemble.tsv"
awk -F'\t' -v p="$plaq" -v as="$ASQRTSIGMA" -v ss="$SQRTSIGMA" -v L="$L" -v cool="$COOL" '
    BEGIN { hc = 197.3269804; a = as * hc / ss; split(p, P, " ")
            printf "quantity\tvalue\terr\tunit\n"
            printf "lattice_spacing\t%.6f\tnan\tfm\n", a
            printf "cooling_sweeps\t%d\tnan\tsweeps\n", cool
            printf "plaquette\t%.6f\t%.6f\t1\n", P[1], P[2]
            printf "plaquette_tau_int\t%.2f\tnan\tsweeps\n", P[3] }
    NR > 1 { v[$1] = $2; e[$1] = $3; nc = $4 }
    END {
        printf "configurations\t%d\tnan\t1\n", nc
        printf "instantons_per_config\t%.6g\t%.6g\t1\n", v["instantons_per_config"], e["instantons_per_config"]
        printf "anti_instantons_per_config\t%.6g\t%.6g\t1\n", v["anti_instantons_per_config"], e["anti_instantons_per_config"]
        printf "instanton_density\t%.6g\t%.6g\tfm^-4\n", v["instanton_density"] / a^4, e["instanton_density"] / a^4
        printf "mean_rho\t%.6g\t%.6g\tfm\n", v["mean_rho"] * a, e["mean_rho"] * a
        printf "mean_nn_distance\t%.6g\t%.6g\tfm\n", v["mean_nn_distance"] * a, e["mean_nn_distance"] * a
        printf "Q2\t%.6g\t%.6g\t1\n", v["Q2"], e["Q2"]
        c = v["chi_top"]; ce = e["chi_top"]
        printf "chi_top\t%.6g\t%.6g\tfm^-4\n", c / a^4, ce / a^4
        if (c > 0) printf "chi_top_quarter\t%.6g\t%.6g\tMeV\n", c^0.25 * hc / a, 0.25 * c^0.25 * hc / a * ce / c
        else printf "chi_top_quarter\tnan\tnan\tMeV\n"
    }' "$E" >"$OUT/summary.tsv"

# chi with Q rounded to the nearest integer (jackknife), and the rho histogram
# in bins of 0.05 fm; density = count / (configurations V Delta rho) in fm^-5.
awk -F'\t' -v as="$ASQRTSIGMA" -v ss="$SQRTSIGMA" -v L="$L" 'NR > 1 {
        q = $3 >= 0 ? int($3 + 0.5) : -int(-$3 + 0.5); x[n++] = q * q; s += q * q }
    END { hc = 197.3269804; a = as * hc / ss; V = (L * a)^4
        m = s / n; for (i = 0; i < n; ++i) { j = (s - x[i]) / (n - 1); v += (j - m)^2 } e = sqrt(v * (n - 1) / n)
        printf "chi_top_rounded_Q\t%.6g\t%.6g\tfm^-4\n", m / V, e / V
        if (m > 0) printf "chi_top_quarter_rounded_Q\t%.6g\t%.6g\tMeV\n", (m / V)^0.25 * hc, 0.25 * (m / V)^0.25 * hc * e / m
        else printf "chi_top_quarter_rounded_Q\tnan\tnan\tMeV\n" }' "$OUT/cl_ensemble_configs.tsv" >>"$OUT/summary.tsv"
awk -F'\t' -v as="$ASQRTSIGMA" -v ss="$SQRTSIGMA" -v L="$L" -v nc="$COUNT" 'NR > 1 && $2 == $2 + 0 {
        hc = 197.3269804; a = as * hc / ss; b = int($2 * a / 0.05); c[b]++; if (b > mx) mx = b }
    END { hc = 197.3269804; a = as * hc / ss; V = (L * a)^4
        printf "rho_lo_fm\trho_hi_fm\trho_lo_a\trho_hi_a\tcount\tdensity_fm-5\n"
        for (b = 0; b <= mx; ++b)
            printf "%.2f\t%.2f\t%.4f\t%.4f\t%d\t%.6g\n", b * 0.05, (b + 1) * 0.05, b * 0.05 / a, (b + 1) * 0.05 / a,
                c[b], c[b] / (nc * V * 0.05) }' "$OUT/cl_ensemble_objects.tsv" >"$OUT/rho_hist.tsv"
awk -F'\t' 'NR > 1 && $5 > m { m = $5; lo = $1; hi = $2 } END {
    if (m > 0) printf "rho_histogram_peak\t%.3f\t%.3f\tfm\n", (lo + hi) / 2, (hi - lo) / 2
    else printf "rho_histogram_peak\tnan\tnan\tfm\n" }' "$OUT/rho_hist.tsv" >>"$OUT/summary.tsv"
echo "# SU(2) beta 2.4, ${L}^4, $COUNT configurations every $EVERY sweeps after $THERM (or $OR, seed $SEED),"
echo "# $COOL over-improved cooling sweeps (eps = -1); a sqrt(sigma) = $ASQRTSIGMA, sqrt(sigma) = $SQRTSIGMA MeV"
echo "# wall time: generate $((mid - start)) s, cool + find $((end - mid)) s; outputs in $OUT/"
echo "# reference (de Forcrand, Garcia Perez, Stamatescu 1997): rho peak ~0.43 fm, chi^(1/4) = 200(15) MeV"
cat "$OUT/summary.tsv"
echo
cat "$OUT/rho_hist.tsv"
