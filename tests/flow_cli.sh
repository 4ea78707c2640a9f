#!/bin/sh
# ymflow flow / ymflow solvers as a user and a script see them (TAP).
# Oracles: documented CSV columns and key: value lines; bad parameters are
# refused with exit 2 and one line naming the parameter before any work (no
# output appears); outputs are never silently overwritten; a run stopped
# after a checkpoint and resumed writes a CSV byte-identical to an
# uninterrupted run, on 1 and 2 ranks; 1 and 2 ranks give the same rows;
# the library's grid-independence check (tests/test_solver --mpi) on 2 ranks;
# selected observables equal the same columns of the full set; a positional is
# a run card or a configuration by its content (ambiguous and unrecognisable
# files refused naming both readings); solvers prints human-facing numbers.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
SMALL="--dims 4x4x4x6 --N 2 --start random:5 --integrator rk3 --eps 0.05 --tmax 0.5"

run 0 flow --help; ok $(( rc != 0 )) "flow --help exits 0"
for f in --action --integrator --eps --tmax --measure-every --out --start --checkpoint --resume --force; do
    grep -q -- "$f" "$T/out"; ok $? "flow --help documents $f"
done
run 0 solvers; ok $(( rc != 0 )) "solvers exits 0"
for w in gradient-flow tol= wilson symanzik iwasaki dbw2 c1= euler rk2 rk3 adaptive; do
    grep -q -- "$w" "$T/out"; ok $? "solvers lists $w"
done
run 0 solvers
grep -q "tol=1e-06 " "$T/out" && grep -q "c1=-0.331 " "$T/out"; ok $? "solvers prints defaults as a person writes them (tol=1e-06, c1=-0.331)"
! grep -Eq "(9999999|0000000)[0-9]" "$T/out"; ok $? "solvers prints no %.17g artefacts (...9999999x, ...0000000x)"
run 0 --help; grep -q "flow" "$T/out" && grep -q solvers "$T/out"; ok $? "ymflow --help lists flow and solvers"

# a small flow: header columns, rows, t0/w0 lines
run 0 flow $SMALL --out "$T/a.csv"; ok $(( rc != 0 )) "4^4 SU(2) rk3 flow runs (rc $rc: $(head -c 200 "$T/err"))"
hdr=$(grep -v '^#' "$T/a.csv" | head -1)
[ "$hdr" = "t,plaquette,E_clover,t2E_clover,W_clover,Q_clover" ]; ok $? "default CSV columns: $hdr"
[ "$(echo "$hdr" | cut -d, -f1)" = t ]; ok $? "first column is t"
[ "$(grep -v '^#' "$T/a.csv" | tail -n +2 | wc -l)" -eq 11 ]; ok $? "11 measurements (t = 0, 0.05, ..., 0.5)"
[ "$(grep -v '^#' "$T/a.csv" | tail -1 | cut -d, -f1)" = 0.5 ]; ok $? "last row at t = tmax"
grep -v '^#' "$T/a.csv" | sed -n 3p | grep -Eq '^0\.05[0-9]*,0\.[0-9]{14,}'; ok $? "rows use full precision"
for k in t0 w0 steps; do [ -n "$(key $k)" ]; ok $? "prints $k"; done
grep -q "^# t0: $(key t0)$" "$T/a.csv"; ok $? "CSV trailer records t0"
grep -q "^# eps = 0.05" "$T/a.csv"; ok $? "CSV records the effective parameters"
run 0 flow $SMALL --observables all --out "$T/all.csv"; ok $(( rc != 0 )) "--observables all runs"
hdr=$(grep -v '^#' "$T/all.csv" | head -1)
for c in t plaquette plaquette_spatial plaquette_temporal E_plaq E_clover t2E_clover W_clover Q_clover Q_improved E_clover_max W_exact; do
    echo ",$hdr," | grep -q ",$c,"; ok $? "--observables all: CSV header has column $c"
done
# the default columns are the same numbers as in the full set (computed once, shared)
col() { grep -v '^#' "$1" | awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == n) c = i; next } { print $c }'; }
for c in plaquette E_clover t2E_clover W_clover Q_clover; do
    [ "$(col "$T/a.csv" $c)" = "$(col "$T/all.csv" $c)" ]; ok $? "column $c identical in default and all"
done
run 0 flow $SMALL --observables "Q_improved, E_plaq" --out "$T/sel.csv"
[ "$(grep -v '^#' "$T/sel.csv" | head -1)" = "t,E_plaq,Q_improved" ]; ok $? "--observables 'Q_improved, E_plaq': columns t,E_plaq,Q_improved"
[ "$(col "$T/sel.csv" Q_improved)" = "$(col "$T/all.csv" Q_improved)" ]; ok $? "selected Q_improved equals the one of all"
[ "$(key t0)" = nan ] && grep -q "no E_clover observable" "$T/sel.csv"; ok $? "t0 is nan without an E_clover column, and the CSV says why"
printf '[measure]\nobservables = plaquette,W_exact\n' >"$T/obs.ini"
run 0 flow "$T/obs.ini" $SMALL --out "$T/obs.csv"
[ "$(grep -v '^#' "$T/obs.csv" | head -1)" = "t,plaquette,W_exact" ]; ok $? "card [measure] observables picks the columns"
[ -n "$(key w0)" ] && grep -q "w0 is taken from it" "$T/obs.csv"; ok $? "with W_exact, w0 comes from W_exact"
run 0 flow $SMALL --measure-every 5 --out "$T/e5.csv"
[ "$(grep -v '^#' "$T/e5.csv" | tail -n +2 | wc -l)" -eq 3 ]; ok $? "--measure-every 5 gives 3 rows"
run 0 flow $SMALL --tmax 0.6 --ref 0.1 --measure-times 0.12,0.33 --out "$T/mt.csv"
grep -v '^#' "$T/mt.csv" | cut -d, -f1 | grep -q '^0\.3300000'; ok $? "--measure-times adds a row at t = 0.33"
run 0 flow $SMALL --out "$T/ad.csv" --integrator adaptive --tol 1e-5; ok $(( rc != 0 )) "adaptive integrator runs"

# 1 and 2 ranks: same rows
run 2 flow $SMALL --grid 1x1x1x2 --out "$T/b.csv"; ok $(( rc != 0 )) "2-rank flow runs"
grep -v '^#' "$T/a.csv" >"$T/a.rows"; grep -v '^#' "$T/b.csv" >"$T/b.rows"
cmp -s "$T/a.rows" "$T/b.rows"; ok $? "serial and 2-rank CSV rows are identical"
if timeout 300 "$MPIRUN" --oversubscribe -n 2 "$top_builddir/tests/test_solver" --mpi >"$T/out" 2>&1; then r=0; else r=1; fi
grep -q '^not ok' "$T/out" && r=1
ok $r "test_solver --mpi on 2 ranks: rows equal a serial run"

# overwrite refusal
cp "$T/a.csv" "$T/a.keep"
run 0 flow $SMALL --out "$T/a.csv"; ok $(( rc != 2 )) "existing CSV not overwritten (exit 2, got $rc)"
grep '^ymflow' "$T/err" | grep -q "force"; ok $? "the refusal mentions --force"
cmp -s "$T/a.csv" "$T/a.keep"; ok $? "refused run left the CSV intact"
run 0 flow $SMALL --out "$T/a.csv" --force; ok $(( rc != 0 )) "--force replaces it"

# bad parameters: exit 2, one line naming the parameter, no output
check_bad() { # np, expected word, args...
    np=$1; word=$2; shift 2
    rm -f "$T/bad.csv"
    run $np flow $SMALL --out "$T/bad.csv" "$@"
    ok $(( rc != 2 )) "np=$np flow $* exits 2 (got $rc)"
    [ "$(grep -c '^ymflow' "$T/err")" -eq 1 ] && grep '^ymflow' "$T/err" | grep -q -- "$word" && [ ! -e "$T/bad.csv" ]
    ok $? "np=$np flow $*: one line naming '$word', no output: $(grep '^ymflow' "$T/err" | head -c 200)"
}
for np in 0 2; do
    check_bad $np eps --eps 0
    check_bad $np eps --eps -0.1
    check_bad $np eps --eps nan
    check_bad $np eps --eps inf
    check_bad $np tmax --tmax -1
    check_bad $np action --action frobnicate
    check_bad $np integrator --integrator rk99
    check_bad $np measure-every --measure-every 0
    check_bad $np start --start sideways
    check_bad $np N --N 1
    check_bad $np eps --flow.eps=abc
    check_bad $np unknown --frobnicate 3
    check_bad $np observables --observables plaquette,Wclover
    check_bad $np boundary --boundary sideways
done

# run card: values, overrides, errors with file:line
cat >"$T/run.ini" <<EOF
[flow]
action = wilson
integrator = rk2
eps = 0.1
tmax = 0.3
[start]
start = random:2
dims = 4x4x4x6
EOF
run 0 flow "$T/run.ini" --out "$T/card.csv"; ok $(( rc != 0 )) "a run card drives the flow"
grep -q "^# integrator = rk2" "$T/card.csv" && [ "$(key steps)" = 3 ]; ok $? "card values used (rk2, 3 steps)"
run 0 flow "$T/run.ini" --flow.tmax=0.5 --out "$T/card2.csv"; [ "$(key steps)" = 5 ]; ok $? "--flow.tmax=0.5 overrides the card"
printf '[flow]\neps = 0.1\nepsilon = 3\n' >"$T/bad.ini"
run 0 flow "$T/bad.ini" --out "$T/card3.csv"
ok $(( rc != 2 )) "unknown card key exits 2"
grep '^ymflow' "$T/err" | grep -q "bad.ini:3"; ok $? "card error names file:line: $(grep '^ymflow' "$T/err")"

# starts: instanton, file (positional CONFIG), final configuration
run 0 flow --start instanton --dims 8 --rho 2 --eps 0.05 --tmax 0.2 --out "$T/inst.csv" --config-out "$T/final.ildg"
ok $(( rc != 0 )) "instanton start runs"
q=$(col "$T/inst.csv" Q_clover | tail -1)
awk "BEGIN{exit !($q > 0.7 && $q < 1.1)}"; ok $? "instanton keeps Q_clover near 1 ($q)"
run 0 info "$T/final.ildg"; ok $(( rc != 0 )) "final configuration is readable (ILDG)"
run 0 flow "$T/run.ini" "$T/final.ildg" --flow.tmax=0.1 --out "$T/file.csv"; ok $(( rc != 0 )) "CONFIG positional start runs"
grep -q "^# start = file:$T/final.ildg" "$T/file.csv"; ok $? "CSV records start = file:CONFIG"
# a positional's role comes from its content (the format detection of ymflow info)
run 0 flow "$T/final.ildg" --tmax 0.1 --out "$T/lone.csv"; ok $(( rc != 0 )) "a lone configuration positional runs (rc $rc: $(head -c 200 "$T/err"))"
grep -q "^# start = file:$T/final.ildg" "$T/lone.csv"; ok $? "lone positional recorded as start = file:CONFIG"
run 0 flow "$T/final.ildg" "$T/run.ini" --flow.tmax=0.1 --out "$T/swap.csv"; ok $(( rc != 0 )) "CONFIG before CARD runs"
grep -v '^#' "$T/file.csv" >"$T/f1.rows"; grep -v '^#' "$T/swap.csv" >"$T/f2.rows"
cmp -s "$T/f1.rows" "$T/f2.rows"; ok $? "CONFIG CARD and CARD CONFIG give the same rows"
run 0 flow "$T/run.ini" "$T/run.ini" --out "$T/two.csv"
ok $(( rc != 2 )) "two run cards refused (exit 2)"; grep '^ymflow' "$T/err" | grep -q "both run cards"; ok $? "the refusal says both are run cards"
printf 'hello world\nthis is neither\n' >"$T/prose.txt"
run 0 flow "$T/prose.txt" --out "$T/prose.csv"; ok $(( rc != 2 )) "a file that is neither is refused (exit 2)"
grep '^ymflow' "$T/err" | grep -q "neither a run card"; ok $? "the refusal names both possibilities: $(grep '^ymflow' "$T/err" | head -c 150)"
# headerless: 1x1x1x2 SU(2) f64le = 2*4*4*2*8 = 512 bytes of unit links
i=0; while [ $i -lt 8 ]; do printf '\000\000\000\000\000\000\360\077\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\360\077\000\000\000\000\000\000\000\000'; i=$((i + 1)); done >"$T/unit.bin" 2>/dev/null
if [ "$(wc -c <"$T/unit.bin")" = 512 ]; then
    run 0 flow "$T/unit.bin" --headerless N=2,dims=1x1x1x2,f64le --tmax 0.02 --eps 0.01 --out "$T/hl.csv"
    ok $(( rc != 0 )) "a headerless lone positional with --headerless runs (rc $rc: $(head -c 200 "$T/err"))"
    [ "$(col "$T/hl.csv" plaquette | head -1)" = 1 ]; ok $? "headerless unit links: plaquette 1"
else ok 1 "could not write the 512-byte headerless file"; ok 1 "(skipped)"; fi
# a text file of exactly the layout's size could be either: refused naming both
{ printf '[flow]\neps = 0.1\n'; yes '# padding to the size of the layout' | head -n 20; } | head -c 511 >"$T/amb.ini"; echo >>"$T/amb.ini"
run 0 flow "$T/amb.ini" --headerless N=2,dims=1x1x1x2,f64le --out "$T/amb.csv"
ok $(( rc != 2 )) "card-like text of the headerless size refused (exit 2)"
grep '^ymflow' "$T/err" | grep -q "run card" && grep '^ymflow' "$T/err" | grep -q "headerless"; ok $? "the refusal names both: $(grep '^ymflow' "$T/err" | head -c 200)"

# --boundary: open in t is a different lattice (fewer plaquettes), recorded in the CSV
run 0 flow $SMALL --boundary periodic,periodic,periodic,open --out "$T/open.csv"; ok $(( rc != 0 )) "--boundary ...,open runs"
grep -q "^# boundary = periodic,periodic,periodic,open" "$T/open.csv" && [ "$(col "$T/open.csv" E_clover | tail -1)" != "$(col "$T/a.csv" E_clover | tail -1)" ]
ok $? "open t boundary recorded, and it changes E_clover"
# HDF5 dumps (content checked in tests/test_solver): file appears, refusals
for np in 0 2; do
    rm -f "$T/d.h5"
    run $np flow $SMALL --out "$T/d$np.csv" --dump "$T/d.h5" --dump-times 0,0.25,0.5
    ok $(( rc != 0 )) "np=$np --dump with --dump-times runs (rc $rc $(head -c 200 "$T/err"))"
    [ -s "$T/d.h5" ] && [ "$(key dump)" = "$T/d.h5" ]; ok $? "np=$np HDF5 dump written"
    [ -z "$(ls "$T" | grep 'd.h5.tmp')" ]; ok $? "np=$np no temporary dump file left"
done
run 0 flow $SMALL --out "$T/dx.csv" --dump "$T/d.h5" --dump-times 0.25; ok $(( rc != 2 )) "existing dump file not overwritten"
check_bad 0 dump-times --dump-times 0.25
check_bad 0 dump-times --dump "$T/new.h5" --dump-times 0.25,9
check_bad 0 dump --dump "$T/new.h5"

# resume: stop after 4 steps (checkpoints every 3), resume; identical CSV
for np in 0 2; do
    mkdir -p "$T/r$np" "$T/s$np"
    grid=$([ $np = 0 ] && echo auto || echo 1x1x1x2)
    CK="$SMALL --tmax 0.7 --measure-every 2 --checkpoint ck --checkpoint-every 3 --out flow.csv --grid $grid"
    cd "$T/r$np"; run $np flow $CK; cd "$T"; ok $(( rc != 0 )) "np=$np uninterrupted run with checkpoints"
    cd "$T/s$np"; run $np flow $CK --stop-after-steps 8; cd "$T"
    ok $(( rc != 3 )) "np=$np --stop-after-steps 8 stops with exit 3 (got $rc)"
    [ ! -e "$T/s$np/flow.csv" ] && [ -e "$T/s$np/ck.state" ]; ok $? "np=$np stopped run left a checkpoint, no CSV"
    cd "$T/s$np"; run $np flow $CK; cd "$T"; ok $(( rc != 2 )) "np=$np restart without --resume refused (exit 2)"
    cd "$T/s$np"; run $np flow $CK --eps 0.1 --resume; cd "$T"
    ok $(( rc != 2 )) "np=$np resume with another eps refused"
    grep '^ymflow' "$T/err" | grep -q "eps"; ok $? "np=$np the refusal names eps: $(grep '^ymflow' "$T/err")"
    cd "$T/s$np"; run $np flow $CK --resume; cd "$T"; ok $(( rc != 0 )) "np=$np --resume finishes (rc $rc $(head -c 200 "$T/err"))"
    cmp -s "$T/r$np/flow.csv" "$T/s$np/flow.csv"; ok $? "np=$np resumed CSV is byte-identical to the uninterrupted one"
done
cmp -s "$T/r0/flow.csv" "$T/r2/flow.csv" || { grep -v grid "$T/r0/flow.csv" >"$T/x0"; grep -v grid "$T/r2/flow.csv" >"$T/x2"; cmp -s "$T/x0" "$T/x2"; }
ok $? "resumable runs on 1 and 2 ranks agree"

# action parameters (flag and card), cooling and stout solvers
OI="--dims 4 --N 2 --start random:5 --eps 0.05 --tmax 0.3"
run 0 flow $OI --action overimproved --action-param eps=-1 --out "$T/oi1.csv"; ok $(( rc != 0 )) "--action-param eps=-1 runs"
grep -q '^# eps = -1$' "$T/oi1.csv"; ok $? "CSV records the action parameter eps = -1"
run 0 flow $OI --action overimproved --action-param eps=1 --out "$T/oi2.csv"; ok $(( rc != 0 )) "--action-param eps=1 runs"
grep -v '^#' "$T/oi1.csv" >"$T/oi1.rows"; grep -v '^#' "$T/oi2.csv" >"$T/oi2.rows"
! cmp -s "$T/oi1.rows" "$T/oi2.rows"; ok $? "overimproved eps=-1 and eps=1 give different CSVs"
printf '[flow]\naction = overimproved\n[action]\neps = 1\n' >"$T/oi.ini"
run 0 flow "$T/oi.ini" $OI --out "$T/oi3.csv"; grep -v '^#' "$T/oi3.csv" >"$T/oi3.rows"
cmp -s "$T/oi2.rows" "$T/oi3.rows"; ok $? "card [action] eps = 1 equals --action-param eps=1"
run 0 flow $OI --action overimproved --out "$T/oi4.csv"; grep -v '^#' "$T/oi4.csv" >"$T/oi4.rows"
cmp -s "$T/oi1.rows" "$T/oi4.rows"; ok $? "overimproved default is eps = -1"
check_bad 0 "wilson" --action wilson --action-param eps=1
check_bad 0 "c1" --action rectangle --action-param eps=1
check_bad 0 "c1" --action rectangle --action-param c1=nan
check_bad 0 "c1" --action rectangle --action-param c1=abc
check_bad 0 "action-param" --action-param c1
check_bad 0 "rho" --solver stout --solver-param rho=0
printf '[flow]\naction = wilson\n[action]\nc1 = 0.1\n' >"$T/oib.ini"
rm -f "$T/bad.csv"; run 0 flow "$T/oib.ini" $OI --out "$T/bad.csv"
ok $(( rc != 2 )) "card [action] c1 with wilson exits 2 (got $rc)"
mkdir -p "$T/ra"; cd "$T/ra"
run 0 flow $OI --action rectangle --action-param c1=-0.1 --checkpoint ck --checkpoint-every 2 --stop-after-steps 3 --out f.csv
run 0 flow $OI --action rectangle --action-param c1=-0.2 --checkpoint ck --checkpoint-every 2 --resume --out f.csv; cd "$T"
ok $(( rc != 2 )) "resume with another action parameter refused (got $rc)"
grep '^ymflow' "$T/err" | grep -q "c1"; ok $? "the refusal names c1: $(grep '^ymflow' "$T/err")"
run 0 solvers; for w in cooling stout rho=; do grep -q -- "$w" "$T/out"; ok $? "solvers lists $w"; done
run 0 flow --dims 4 --N 2 --start random:5 --solver cooling --tmax 10 --observables all --out "$T/cool.csv"
ok $(( rc != 0 )) "cooling runs 10 sweeps (rc $rc $(head -c 200 "$T/err"))"
[ "$(key steps)" = 10 ]; ok $? "cooling: --tmax 10 is 10 sweeps"
grep -v '^#' "$T/cool.csv" | awk -F, 'NR==1{ok=($5=="E_plaq" && $14=="sweeps"); next}
    {if (NR>2 && !($5 < e)) ok=0; if ($14 != NR-2) ok=0; if (($1 - $14/3)^2 > 1e-28) ok=0; e=$5} END{exit !(ok && NR==12)}'
ok $? "cooling: E_plaq decreases every sweep, sweeps column counts, t = sweeps/3"
check_bad 0 "sweeps" --solver cooling --tmax 2.5
check_bad 0 "cooling" --solver cooling --action zeuthen
run 0 flow $OI --solver stout --solver-param rho=0.05 --tmax 0.47 --observables all --out "$T/st.csv"; ok $(( rc != 0 )) "stout runs"
run 0 flow $OI --integrator euler --action wilson --tmax 0.47 --observables all --out "$T/eu.csv"
grep -v '^#' "$T/st.csv" >"$T/st.rows"; grep -v '^#' "$T/eu.csv" >"$T/eu.rows"
paste -d, "$T/st.rows" "$T/eu.rows" | awk -F, 'NR==1{next} {for(i=1;i<=12;i++){d=$i-$(i+13); if(d<0)d=-d; s=$i<0?-$i:$i; if(s<1)s=1; if(d/s>m)m=d/s}} END{print m; exit !(NR==12 && m<=1e-12)}' >"$T/m"
ok $? "stout rho=0.05 equals the euler Wilson flow eps=0.05 to 1e-12 (max rel diff $(cat "$T/m"))"

echo "1..$n"
[ "$fails" = 0 ]
