#!/bin/sh
# ymflow flow --solver rym as a user sees it (TAP).
# Oracles: the flux start (--start flux:01,3) with g = diag(1.3,1.3,0.7,1.6)
# follows lambda(t)^2 = lambda(0)^2 + 8 sin^2(phi) t (RYM.md oracle C, 5e-8)
# and is stationary under the Wilson flow (1e-14); the CSV gains the documented metric columns (g00..g33, sqrtg, R,
# lambda_min, lambda_max, S_hybrid) and a diag start shows in them at t = 0;
# a run stopped after a checkpoint and resumed (the metric from the
# companion file PREFIX.<step>.metric.h5) writes a CSV byte-identical to an
# uninterrupted run, on 1 and 2 ranks, and both agree; --metric with another
# solver, a malformed --metric and a step beyond the stability limit are
# refused with one line naming the parameter / the flow time and site.
# ymflow clusters --solver rym: at t = 0 on a flat metric each cluster's
# metric_volume (the sum of sqrt(det g) over its sites) equals its site count
# exactly; after a flow on a random metric the table is byte-identical on 1
# and 2 ranks (grid 1x1x1x2); --metric with a solver without a metric is refused.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
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
    [ "$(ls "$T/r$np" | grep -c 'metric.h5')" = 1 ]; ok $? "np=$np superseded metric checkpoints removed: $(ls "$T/r$np" | tr '\n' ' ')"
    cd "$T/s$np"; run $np flow $CK --stop-after-steps 4; cd "$T"
    ok $(( rc != 3 )) "np=$np --stop-after-steps 4 stops with exit 3 (got $rc)"
    [ "$(ls "$T/s$np" | grep -c 'metric.h5')" = 1 ] && [ -e "$T/s$np/ck.3.metric.h5" ]
    ok $? "np=$np the checkpoint holds the metric of its step, older ones removed (ck.3.metric.h5: $(ls "$T/s$np" | tr '\n' ' '))"
    cd "$T/s$np"; run $np flow $CK --resume; cd "$T"; ok $(( rc != 0 )) "np=$np --resume finishes (rc $rc $(head -c 200 "$T/err"))"
    cmp -s "$T/r$np/flow.csv" "$T/s$np/flow.csv"; ok $? "np=$np resumed rym CSV is byte-identical to the uninterrupted one"
done
grep -v grid "$T/r0/flow.csv" >"$T/x0"; grep -v grid "$T/r2/flow.csv" >"$T/x2"; cmp -s "$T/x0" "$T/x2"
ok $? "rym runs on 1 and 2 ranks write the same rows"

run 0 flow $SMALL --tmax 0.04 --dump d.h5 --dump-times 0,0.04 --out d.csv
[ "$rc" = 0 ] && [ -s d.h5 ] && [ -z "$(ls | grep 'd.h5.tmp')" ]; ok $? "rym dump written (E, q, g.., sqrtg, R; rc $rc $(head -c 200 "$T/err"))"

# the flux torus from the command line (RYM.md oracle C): lambda(1)^2 = 1.3^2 + 8 sin^2(6 pi/64)
run 0 flow --solver rym --dims 8x8x4x4 --start flux:01,3 --metric diag:1.3,1.3,0.7,1.6 --eps 0.05 --tmax 1 \
    --measure-every 20 --out fl.csv
ok $rc "flux:01,3 start with the rym solver runs"
grep -v '^#' fl.csv | awk -F, 'NR==1{for(i=1;i<=NF;i++)c[$i]=i; next}
  {p=3.141592653589793*6/64; l=sqrt(1.69+8*sin(p)^2*$1); e=$(c["g00"])-l; if(e<0)e=-e; if(e>m)m=e; if(NR==2)p0=$(c["plaquette"]);
   d=$(c["plaquette"])-p0; if(d<0)d=-d; if(d>dp)dp=d} END{print m+0, dp+0; exit !(NR==3 && m<=5e-8 && dp<=1e-14)}' >lam
ok $? "flux torus: |g00(1) - sqrt(lambda0^2 + 8 sin^2(phi))| and the plaquette drift: $(cat lam) (<= 5e-8, 1e-14)"
run 0 flow --dims 8x8x4x4 --start flux:13,2 --tmax 0.5 --eps 0.05 --out fw.csv
grep -v '^#' fw.csv | awk -F, 'NR==2{p=$2} NR>2{d=$2-p; if(d<0)d=-d; if(d>m)m=d} END{exit !(m<=1e-14)}'
ok $? "flux:13,2 is a stationary point of the Wilson flow (plaquette unchanged to 1e-14)"
run 0 flow --dims 4 --start flux:11,1 --out bad.csv; ok $(( rc != 2 )) "flux:11,1 refused (rc $rc): $(head -1 "$T/err")"

run 0 flow --dims 4 --tmax 0.02 --metric flat --out m.csv; ok $(( rc != 2 )) "--metric with the gradient-flow solver refused (rc $rc)"
grep -q 'metric' "$T/err"; ok $? "the refusal names metric: $(grep '^ymflow' "$T/err" | head -1)"
run 0 flow $SMALL --tmax 0.02 --metric diag:1,2 --out m.csv; ok $(( rc == 0 )) "malformed --metric diag:1,2 refused (rc $rc)"
grep -q 'diag' "$T/err"; ok $? "the refusal quotes it: $(grep '^ymflow' "$T/err" | head -1)"
run 0 flow $SMALL --tmax 0.2 --eps 0.1 --metric diag:0.5,1,1,1 --out m.csv
ok $(( rc == 0 )) "eps 0.1 beyond the stability limit 0.9*2.51*0.5/16 = 0.0706 stops the run (rc $rc)"
[ "$(grep -c . "$T/err")" = 1 ] && grep -q 't = 0.*site (.*stability limit\|stability limit.*site (' "$T/err"
ok $? "one line naming the flow time and the site: $(head -1 "$T/err")"
[ ! -e m.csv ]; ok $? "no CSV from a refused run"

# clusters with the rym solver: the metric volume of each cluster
CL="--N 2 --dims 4x4x4x6 --start random:5"
run 0 flow $CL --tmax 0 --config-out cfg.ildg --out z.csv; ok $rc "a configuration to analyse (rc $rc)"
run 0 clusters cfg.ildg --solver rym --tmax 0 --out k0
ok $rc "clusters --solver rym runs (rc $rc: $(head -c 200 "$T/err"))"
head -1 k0_clusters.tsv | tr '\t' '\n' | tail -1 | grep -qx metric_volume; ok $? "the cluster table ends with metric_volume"
awk -F'\t' 'NR > 1 { n++; if ($5 != $NF) bad++ } END { exit !(n > 0 && !bad) }' k0_clusters.tsv
ok $? "flat metric at t = 0: metric_volume = volume for all $(($(grep -c . k0_clusters.tsv) - 1)) clusters"
run 0 clusters cfg.ildg --solver rym --metric random:4,0.3,0.4 --eps 0.02 --tmax 0.04 --out k1
ok $rc "clusters --solver rym --metric random:4,0.3,0.4 runs (rc $rc)"
awk -F'\t' 'NR > 1 { n++; if (!($NF > 0) || $NF == $5) bad++ } END { exit !(n > 0 && !bad) }' k1_clusters.tsv
ok $? "random metric: every metric_volume is positive and differs from the site count"
run 2 clusters cfg.ildg --solver rym --metric random:4,0.3,0.4 --eps 0.02 --tmax 0.04 --grid 1x1x1x2 --out k2
ok $rc "the same on 2 ranks (rc $rc)"
cmp -s k1_clusters.tsv k2_clusters.tsv; ok $? "cluster table with metric volumes byte-identical on 1 and 2 ranks"
run 0 clusters cfg.ildg --metric flat --out k3; ok $(( rc != 2 )) "clusters --metric without a metric solver refused (rc $rc)"
grep -q 'metric' "$T/err"; ok $? "the refusal names metric: $(grep '^ymflow' "$T/err" | head -1)"
echo "1..$n"
[ "$fails" = 0 ]
