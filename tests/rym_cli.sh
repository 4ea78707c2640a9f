#!/bin/sh
# ymflow flow --solver rym as a user sees it (TAP).
# Oracles: the CSV gains the documented metric columns (g00..g33, sqrtg, R,
# lambda_min, lambda_max, S_hybrid) and a diag start shows in them at t = 0;
# a run stopped after a checkpoint and resumed (the metric from the
# companion file PREFIX.metric.h5) writes a CSV byte-identical to an
# uninterrupted run, on 1 and 2 ranks, and both agree; --metric with another
# solver, a malformed --metric and a step beyond the stability limit are
# refused with one line naming the parameter / the flow time and site.
: "${top_builddir:=.}"
: "${MPIRUN:=mpirun}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
Y="$top_builddir/ymflow"
case "$Y" in /*) ;; *) Y="$PWD/$Y" ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }
run() { # run NP ARGS...: stdout to $T/out, stderr to $T/err, exit code in $rc
    np=$1; shift
    if [ "$np" = 0 ]; then timeout 300 "$Y" "$@" >"$T/out" 2>"$T/err"; rc=$?
    else timeout 300 "$MPIRUN" --oversubscribe -n "$np" "$Y" "$@" >"$T/out" 2>"$T/err"; rc=$?; fi
}
SMALL="--solver rym --dims 4x4x4x6 --N 2 --start random:5 --eps 0.02 --metric random:4,0.3,0.4"

cd "$T"
run 0 flow $SMALL --tmax 0.04 --metric diag:1.5,1,1,0.8 --out c.csv
ok $(( rc != 0 )) "rym flow runs (rc $rc $(head -c 200 "$T/err"))"
hdr=$(grep -v '^#' c.csv | head -1)
case "$hdr" in *,g00,g01,g02,g03,g11,g12,g13,g22,g23,g33,sqrtg,R,lambda_min,lambda_max,S_hybrid) r=0 ;; *) r=1 ;; esac
ok $r "CSV columns end with the metric observables: $hdr"
row0=$(grep -v '^#' c.csv | sed -n 2p)
echo "$hdr" | tr , '\n' >h; echo "$row0" | tr , '\n' >v
paste h v | awk 'function near(x,y){d=x-y; return d<1e-12&&d>-1e-12} $1=="g00"&&near($2,1.5){a=1} $1=="g33"&&near($2,0.8){b=1}
  $1=="g01"&&$2==0{e=1} $1=="lambda_min"&&near($2,0.8){c=1} $1=="lambda_max"&&near($2,1.5){d=1} END{exit !(a&&b&&c&&d&&e)}'
ok $? "the diag:1.5,1,1,0.8 start shows at t = 0 (g00 = 1.5, g01 = 0, g33 = 0.8, lambda_min 0.8, lambda_max 1.5; 1e-12)"
grep -q '^# metric = random:4,0.3,0.4\|metric = diag:1.5,1,1,0.8' c.csv; ok $? "the metric start is recorded with the effective parameters"

for np in 0 2; do
    mkdir -p "$T/r$np" "$T/s$np"
    grid=$([ $np = 0 ] && echo auto || echo 1x1x1x2)
    CK="$SMALL --tmax 0.14 --measure-every 2 --checkpoint ck --checkpoint-every 3 --out flow.csv --grid $grid"
    cd "$T/r$np"; run $np flow $CK; cd "$T"; ok $(( rc != 0 )) "np=$np uninterrupted rym run with checkpoints"
    cd "$T/s$np"; run $np flow $CK --stop-after-steps 4; cd "$T"
    ok $(( rc != 3 )) "np=$np --stop-after-steps 4 stops with exit 3 (got $rc)"
    [ -e "$T/s$np/ck.metric.h5" ]; ok $? "np=$np the checkpoint holds the metric (ck.metric.h5)"
    cd "$T/s$np"; run $np flow $CK --resume; cd "$T"; ok $(( rc != 0 )) "np=$np --resume finishes (rc $rc $(head -c 200 "$T/err"))"
    cmp -s "$T/r$np/flow.csv" "$T/s$np/flow.csv"; ok $? "np=$np resumed rym CSV is byte-identical to the uninterrupted one"
done
grep -v grid "$T/r0/flow.csv" >"$T/x0"; grep -v grid "$T/r2/flow.csv" >"$T/x2"; cmp -s "$T/x0" "$T/x2"
ok $? "rym runs on 1 and 2 ranks write the same rows"

run 0 flow --dims 4 --tmax 0.02 --metric flat --out m.csv; ok $(( rc != 2 )) "--metric with the gradient-flow solver refused (rc $rc)"
grep -q 'metric' "$T/err"; ok $? "the refusal names metric: $(grep '^ymflow' "$T/err" | head -1)"
run 0 flow $SMALL --tmax 0.02 --metric diag:1,2 --out m.csv; ok $(( rc == 0 )) "malformed --metric diag:1,2 refused (rc $rc)"
grep -q 'diag' "$T/err"; ok $? "the refusal quotes it: $(grep '^ymflow' "$T/err" | head -1)"
run 0 flow $SMALL --tmax 0.2 --eps 0.1 --metric diag:0.5,1,1,1 --out m.csv
ok $(( rc == 0 )) "eps 0.1 beyond the stability limit 0.9*2.51*0.5/16 = 0.0706 stops the run (rc $rc)"
[ "$(grep -c . "$T/err")" = 1 ] && grep -q 't = 0.*site (.*stability limit\|stability limit.*site (' "$T/err"
ok $? "one line naming the flow time and the site: $(head -1 "$T/err")"
[ ! -e m.csv ]; ok $? "no CSV from a refused run"
echo "1..$n"
[ "$fails" = 0 ]
