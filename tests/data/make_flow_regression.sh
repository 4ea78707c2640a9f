#!/bin/sh
# Regenerates tests/data/flow_regression.csv: the external configurations of
# ../shared/reference/gauge flowed with Wilson RK3, eps = 0.01, to t = 1;
# E_plaq, E_clover, t2E_clover, Q_clover at t = 0, 0.25, 0.5, 1.
#   sh tests/data/make_flow_regression.sh BUILD_DIR [REFERENCE_DIR]
# Only regenerate after a deliberate change of conventions: these numbers are
# the regression oracle of tests/flow_regression.sh.
set -e
build=$1
ref=${2:-$(dirname "$0")/../../../shared/reference}
out=$(dirname "$0")/flow_regression.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
    echo "# Wilson flow, RK3, eps = 0.01, t = 0 .. 1 (ymflow flow; see make_flow_regression.sh)"
    echo "file,t,E_plaq,E_clover,t2E_clover,Q_clover"
    while read -r f; do
        "$build/ymflow" flow --start "file:$ref/gauge/$f" --action wilson --integrator rk3 --eps 0.01 --tmax 1 \
            --measure-every 1000 --measure-times 0.25,0.5 --observables E_plaq,E_clover,t2E_clover,Q_clover \
            --out "$tmp/o.csv" --force >/dev/null
        grep -v '^#' "$tmp/o.csv" | awk -F, -v f="$f" 'NR == 1 { for (i = 1; i <= NF; ++i) c[$i] = i; next }
            { print f "," $c["t"] "," $c["E_plaq"] "," $c["E_clover"] "," $c["t2E_clover"] "," $c["Q_clover"] }'
    done <<LIST
glu/lat400.original.nersc
milc/lat.sample.l4444.ildg
milc/lat.sample.l8888
milc-generated/l8888_b6.00/l8888_b6.00_ora.nersc
tmlqcd/conf.88
tmlqcd/conf48.0000
chroma/weak_field.lime
lyncs/unity.lime
LIST
} >"$out"
echo "wrote $out"
