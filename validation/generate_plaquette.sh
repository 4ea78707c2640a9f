#!/bin/sh
# Validation of ymflow generate (issue #12): the SU(3) Wilson plaquette at
# beta = 6.0 against 0.5937 (large-volume value; e.g. Boyd et al., Nucl.
# Phys. B 469 (1996) 419, <P> = 0.59368 at beta 6.0). Outside CI (minutes).
# usage: validation/generate_plaquette.sh [BUILD_DIR (default _b)] [L (default 8)] [SWEEPS (default 200)] [NP (default 1)]
# Prints the mean plaquette after thermalisation with its Gamma-method error
# (Wolff, S = 1.5) and tau_int, and the deviation from 0.5937 in sigma.
set -e
B=${1:-_b}; L=${2:-8}; S=${3:-200}; NP=${4:-1}
THERM=50
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
case "$B" in /*) ;; *) B="$PWD/$B" ;; esac
RUN=
[ "$NP" = 1 ] || RUN="mpirun --oversubscribe -n $NP"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
start=$(date +%s)
$RUN "$B/ymflow" generate --N 3 --beta 6.0 --dims "$L" --start cold --therm $((THERM + S)) --every 1 --count 0 \
    --or 4 --seed 1 --out "$D/p" >/dev/null
end=$(date +%s)
grep -v '^#' "$D/p.csv" | tail -n +2 | awk -F, -v t=$THERM '$1 > t {print $2}' >"$D/plaq"
python3 - "$D/plaq" "$L" "$S" "$((end - start))" <<'PY'
import sys, math
x = [float(l) for l in open(sys.argv[1])]
n = len(x); m = sum(x) / n
d = [v - m for v in x]
g0 = sum(v * v for v in d) / n
tau, W = 0.5, 0
for t in range(1, n // 2):  # Wolff's automatic window, S = 1.5
    gt = sum(d[i] * d[i + t] for i in range(n - t)) / (n - t)
    tau += gt / g0
    tt = 1.5 / math.log((2 * tau + 1) / (2 * tau - 1)) if tau > 0.5 else 1e-9
    if math.exp(-t / tt) - tt / math.sqrt(t * n) < 0:
        W = t
        break
err = math.sqrt(2 * tau * g0 / n)
print(f"L={sys.argv[2]}^4 sweeps={n} (after 50 thermalisation) wall={sys.argv[4]}s")
print(f"plaquette = {m:.6f} +- {err:.6f} (tau_int = {tau:.2f}, window {W}); reference 0.5937: {(m - 0.5937) / err:+.1f} sigma")
PY
