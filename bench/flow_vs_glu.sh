#!/bin/sh
# The whole Wilson-flow job side by side: ymflow, GLU and (optionally) MILC's
# wilson_flow, whole processes, one core each, alternating, same period:
#   bench/flow_vs_glu.sh BUILD_DIR MILC_FILE NERSC_FILE GLU_BIN [MILC_WF_BIN|-] [REPS (5)] [OUTDIR]
# MILC_FILE and NERSC_FILE are the same configuration in the two formats
# (reference/gauge/milc-generated/l16161616_b6.00/*_ora.{milc,nersc}): GLU
# reads the NERSC copy, ymflow and MILC the MILC one. GLU and MILC are
# built by the user outside this repository (see BENCHMARKS.md for the
# versions and flags measured); nothing of theirs is copied here, only the
# input files they read, written below.
#
# Each round runs, in this order, RK3 with eps = 0.02 for 20 steps, then
# for 1 step:
#   ymflow  --observables default (measured at t = 0 and after every step)
#   ymflow  --observables t       (no measurement)
#   GLU     SMEARTYPE = WFLOW_STOUT (fixed-step RK3; measures every step)
#   MILC    wilson_flow, exp_order 8 (measures every step)
# GLU runs with OMP_NUM_THREADS=1. Per case it prints the median and the
# range of the CPU (user + sys) and wall seconds of the whole process (GNU
# time), and, for the 20-step runs, t^2 E(clover) at t = 0.4 from each
# code's own output (ymflow t2E_clover, GLU {Gt}, MILC t^2 (Et + Es)).
# Raw lines (case, wall, user, sys, load average before) go to OUTDIR/raw.txt.
set -eu
build=$1 milcfile=$2 nersc=$3 glu=$4 milc=${5:--} reps=${6:-5}
out=${7:-$(mktemp -d)}
mkdir -p "$out"
Y=$build/ymflow
# GLU's NERSC reader wants a nonzero SEQUENCE_NUMBER and a FLOATING_POINT
# line; the reference file has neither. Patch the header only (the binary
# data and its checksum are unchanged).
python3 - "$nersc" "$out/glu.nersc" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
end = d.index(b'END_HEADER\n')
h, rest = d[:end], d[end:]
h = h.replace(b'SEQUENCE_NUMBER = 0\n', b'SEQUENCE_NUMBER = 1\n')
if b'FLOATING_POINT' not in h:
    h = h.replace(b'DATATYPE = 4D_SU3_GAUGE\n', b'DATATYPE = 4D_SU3_GAUGE\nFLOATING_POINT = IEEE32BIG\n', 1)
open(sys.argv[2], 'wb').write(h + rest)
EOF
dims=$("$Y" info "$milcfile" | awk '/^dims:/ { print $2 }')
nx=$(echo "$dims" | cut -dx -f1) ny=$(echo "$dims" | cut -dx -f2)
nz=$(echo "$dims" | cut -dx -f3) nt=$(echo "$dims" | cut -dx -f4)
for s in 1 20; do
    cat >"$out/glu_$s.in" <<EOF
MODE = SMEARING
HEADER = NERSC
    DIM_0 = $nx
    DIM_1 = $ny
    DIM_2 = $nz
    DIM_3 = $nt
CONFNO = 0
RANDOM_TRANSFORM = NO
SEED = 0
GFTYPE = LANDAU
    GF_TUNE = 0.08
    IMPROVEMENTS = NONE
    ACCURACY = 14
    MAX_ITERS = 1000
CUTTYPE = TOPOLOGICAL_SUSCEPTIBILITY
    FIELD_DEFINITION = LINEAR
    MOM_CUT = SPHERICAL_CUT
    MAX_T = 7
    MAXMOM = 80
    CYL_WIDTH = 2.0
    ANGLE = 60
    OUTPUT = ./
SMEARTYPE = WFLOW_STOUT
    DIRECTION = ALL
    SMITERS = $s
    ALPHA1 = 0.02
    ALPHA2 = 0.0
    ALPHA3 = 0.0
U1_MEAS = U1_RECTANGLE
    U1_ALPHA = 0.07957753876221914
    U1_CHARGE = -1.0
CONFIG_INFO = GLU_config
    STORAGE = NERSC_NCxNC
BETA = 6.0
    ITERS = 1500
    MEASURE = 5
    OVER_ITERS = 4
    SAVE = 25
    THERM = 150
EOF
    # MILC steps while flowtime <= stoptime, flowtime accumulated in floats:
    # stop half a step past the last wanted time.
    stop=$(awk "BEGIN { printf \"%.3f\", ($s + 0.5) * 0.02 }")
    printf 'prompt 0\nnx %s\nny %s\nnz %s\nnt %s\n\nreload_serial %s\nwilson\nexp_order 8\nstepsize 0.02\nstoptime %s\nforget\n' \
        "$nx" "$ny" "$nz" "$nt" "$milcfile" "$stop" >"$out/milc_$s.in"
done
cases="ymflow_default ymflow_none glu"
[ "$milc" != - ] && cases="$cases milc"
: >"$out/raw.txt"
run() { # case steps
    c=$1 s=$2
    tmax=$(awk "BEGIN { printf \"%.2f\", $s * 0.02 }")
    load=$(cut -d' ' -f1 /proc/loadavg)
    o=$out/${c}_$s.out
    case $c in
    ymflow_default | ymflow_none)
        obs=default; [ "$c" = ymflow_none ] && obs=t
        /usr/bin/time -f "%e %U %S" -o "$out/t" "$Y" flow "$milcfile" --action wilson --integrator rk3 \
            --eps 0.02 --tmax "$tmax" --observables "$obs" --out "$out/${c}_$s.csv" --force >"$o" ;;
    glu)
        (cd "$out" && OMP_NUM_THREADS=1 /usr/bin/time -f "%e %U %S" -o "$out/t" "$glu" -i "glu_$s.in" \
            -c glu.nersc >"$o" 2>&1) ;;
    milc)
        /usr/bin/time -f "%e %U %S" -o "$out/t" "$milc" <"$out/milc_$s.in" >"$o" 2>&1 ;;
    esac
    echo "$c $s $(tail -n 1 "$out/t") $load" >>"$out/raw.txt"
}
for _ in $(seq "$reps"); do
    for s in 20 1; do
        for c in $cases; do run "$c" "$s"; done
    done
done
echo "case,steps,reps,median_cpu_sec,min_cpu_sec,max_cpu_sec,median_wall_sec,min_wall_sec,max_wall_sec"
for s in 20 1; do
    for c in $cases; do
        awk -v c="$c" -v s="$s" '$1 == c && $2 == s { n++; w[n] = $3; u[n] = $4 + $5 }
            function sort(a, n,   i, j, x) { for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j)
                if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } }
            function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            END { sort(u, n); sort(w, n)
                  printf "%s,%s,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", c, s, n, med(u, n), u[1], u[n], med(w, n), w[1], w[n] }' \
            "$out/raw.txt"
    done
done
echo "# t^2 E(clover) at t = 0.4 (20 steps), each code's own output:"
awk -F, '!/^#/ && $1 != "t" { last = $0 } END { split(last, a, ","); print "#   ymflow " a[4] }' "$out/ymflow_default_20.csv"
grep '{t} 0.400000' "$out/glu_20.out" | sed 's/.*{Gt} \([^ ]*\).*/#   GLU    \1/'
if [ "$milc" != - ]; then
    awk '$1 == "WFLOW" && $2 == 0.4 { printf "#   MILC   %.7g (t^2 (Et + Es), printed Et, Es to 6 digits)\n", 0.16 * ($3 + $4) }' "$out/milc_20.out"
    grep -h "Number of steps" "$out/milc_20.out" "$out/milc_1.out" | sed 's/^/#   MILC /'
fi
