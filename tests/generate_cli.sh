#!/bin/sh
# ymflow generate as a script sees it (TAP).
# Oracles: the documented CSV columns and one row per sweep (thermalisation
# included); configurations at sweeps therm + i*every, readable ILDG carrying
# beta, sweep, seed and generator in their metadata; the same files (cmp) on
# 1, 2 and 4 ranks; a chain stopped mid-way and resumed (on the same or
# another number of ranks) writes byte-identical CSV and configurations;
# a run card equals the flags; bad parameters exit 2 with one line naming
# them and no output; outputs are not overwritten without --force; a resume
# with other parameters is refused.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
same() { # same PREFIX1 PREFIX2: CSV and every configuration byte-identical
    cmp -s "$1.csv" "$2.csv" || return 1
    for i in 0001 0002 0003; do cmp -s "$1.$i.ildg" "$2.$i.ildg" || return 1; done
    return 0
}
close() { # close PREFIX1 PREFIX2: configurations byte-identical, CSV comments equal and numbers within 1e-12
    # (the Polyakov loop's product along a split t direction may differ in the last bit)
    for i in 0001 0002 0003; do cmp -s "$1.$i.ildg" "$2.$i.ildg" || return 1; done
    [ "$(grep '^#' "$1.csv")" = "$(grep '^#' "$2.csv")" ] || return 1
    grep -v '^#' "$1.csv" >"$T/c1"; grep -v '^#' "$2.csv" >"$T/c2"
    [ "$(wc -l <"$T/c1")" = "$(wc -l <"$T/c2")" ] || return 1
    paste -d, "$T/c1" "$T/c2" | awk -F, 'NR == 1 { next } { h = NF / 2; for (i = 1; i <= h; ++i) { a = $i; b = $(i + h);
        d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if (d > 1e-12 * (m > 1e-3 ? m : 1e-3)) bad = 1 } }
        END { exit bad }'
}
SMALL="--N 3 --beta 5.7 --dims 4x4x4x6 --therm 4 --every 3 --count 3 --or 2 --seed 11"

run 0 generate --help; ok $rc "generate --help exits 0"
for f in --N --beta --dims --start --therm --every --count --or --seed --out --grid --resume --force; do
    grep -q -- "$f " "$T/out"; ok $? "generate --help documents $f"
done
run 0 --help; grep -q "generate" "$T/out"; ok $? "ymflow --help lists generate"

run 0 generate $SMALL --out "$T/a"; ok $rc "SU(3) 4x4x4x6 chain runs (rc $rc: $(head -c 200 "$T/err"))"
hdr=$(grep -v '^#' "$T/a.csv" | head -1)
[ "$hdr" = "sweep,plaquette,plaquette_spatial,plaquette_temporal,polyakov_re,polyakov_im,rejected,proposal_rejection_rate" ]
ok $? "CSV columns: $hdr"
[ "$(grep -v '^#' "$T/a.csv" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 10 11 12 13 " ]
ok $? "one row per sweep 0..13 (therm 4 + 3 x 3)"
p=$(grep -v '^#' "$T/a.csv" | tail -1 | cut -d, -f2)
awk "BEGIN{exit !($p > 0.3 && $p < 0.7)}"; ok $? "plaquette after 13 sweeps at beta 5.7 is plausible ($p)"
[ -e "$T/a.0001.ildg" ] && [ -e "$T/a.0003.ildg" ] && [ ! -e "$T/a.0004.ildg" ]; ok $? "configurations 0001..0003"
run 0 info "$T/a.0002.ildg"; ok $rc "configuration 2 reads back (checksum, unitarity)"
grep -q "^metadata: gauge.beta = 5.7" "$T/out" && grep -q "^metadata: chain.sweep = 10$" "$T/out" &&
    grep -q "^metadata: chain.seed = 11$" "$T/out" && grep -q "^metadata: generator.update = " "$T/out" &&
    grep -q "^metadata: chain.or = 2$" "$T/out" && ! grep -q "^metadata: lattice.grid" "$T/out"
ok $? "metadata: beta, sweep 10 (= 4 + 2 x 3), seed, generator, or"
grep -q "^precision: 64" "$T/out" && grep -q "^N: 3" "$T/out"; ok $? "64-bit SU(3) ILDG"
pi=$(sed -n 's/^plaquette: //p' "$T/out")
pc=$(grep -v '^#' "$T/a.csv" | awk -F, '$1 == 10 {print $2}')
awk "BEGIN{d = $pi - $pc; exit !(d < 1e-13 && d > -1e-13)}"; ok $? "CSV plaquette of sweep 10 = plaquette of configuration 2"

# process grids: the same files
run 2 generate $SMALL --grid 1x1x1x2 --out "$T/b"; ok $rc "2 ranks (1x1x1x2) run"
close "$T/a" "$T/b"; ok $? "1 and 2 ranks: identical configurations, CSV to 1e-12"
run 4 generate $SMALL --grid 2x1x1x2 --out "$T/c"; ok $rc "4 ranks (2x1x1x2) run"
close "$T/a" "$T/c"; ok $? "1 and 4 ranks: identical configurations, CSV to 1e-12"

# resume: stopped after 8 sweeps (checkpoint at sweep 7), resumed
run 0 generate $SMALL --out "$T/r" --stop-after-sweeps 8; ok $(( rc != 3 )) "stopped run exits 3 (got $rc)"
[ ! -e "$T/r.csv" ] && [ -e "$T/r.ckpt" ]; ok $? "a stopped run leaves a checkpoint and no final CSV"
run 0 generate $SMALL --out "$T/r" --resume --beta 5.8
ok $(( rc != 2 )) "resume with another beta exits 2 (got $rc)"
grep '^ymflow' "$T/err" | grep -q "beta"; ok $? "the refusal names beta: $(grep '^ymflow' "$T/err")"
run 0 generate $SMALL --out "$T/r" --resume; ok $rc "resume runs (rc $rc: $(head -c 200 "$T/err"))"
same "$T/a" "$T/r"; ok $? "resumed chain: byte-identical CSV and configurations"
run 0 generate $SMALL --out "$T/s" --stop-after-sweeps 9 --checkpoint-every 2; ok $(( rc != 3 )) "stopped again"
run 2 generate $SMALL --out "$T/s" --resume --grid 1x1x2x1; ok $rc "resume on 2 ranks"
close "$T/a" "$T/s"; ok $? "stopped on 1 rank, resumed on 2 (checkpoint every 2): identical configurations, CSV to 1e-12"
run 2 generate $SMALL --out "$T/u" --grid 1x1x1x2 --stop-after-sweeps 12; ok $(( rc != 3 )) "stopped on 2 ranks"
run 2 generate $SMALL --out "$T/u" --grid 1x1x1x2 --resume; ok $rc "resumed on 2 ranks, same grid"
same "$T/b" "$T/u"; ok $? "resumed on the same grid: byte-identical CSV and configurations"

# run card = flags
cat >"$T/run.ini" <<EOF
[gauge]
n = 3
beta = 5.7
[lattice]
dims = 4x4x4x6
[chain]
therm = 4
every = 3
count = 3
or = 2
seed = 11
EOF
run 0 generate "$T/run.ini" --out "$T/k"; ok $rc "a run card drives the chain"
cp "$T/k.csv" "$T/k.x"; cp "$T/a.csv" "$T/a.x"
cmp -s "$T/k.x" "$T/a.x" && cmp -s "$T/k.0003.ildg" "$T/a.0003.ildg"; ok $? "card and flags give the same chain"
run 0 generate "$T/run.ini" --chain.seed=12 --out "$T/k2"; ok $rc "--chain.seed=12 overrides the card"
cmp -s "$T/k2.0003.ildg" "$T/a.0003.ildg"; ok $(( $? == 0 )) "another seed gives another chain"

# starts: cold, file
run 0 generate --N 2 --beta 2.4 --dims 4 --start cold --therm 0 --every 1 --count 1 --or 0 --out "$T/sub/dir/x"
ok $rc "cold start runs"
[ -e "$T/sub/dir/x.0001.ildg" ]; ok $? "--out makes the prefix's folder"
[ "$(grep -v '^#' "$T/sub/dir/x.csv" | sed -n 2p | cut -d, -f2)" = 1 ]; ok $? "cold start: sweep 0 plaquette is 1"
run 0 generate --start "file:$T/a.0003.ildg" --beta 5.7 --therm 0 --every 1 --count 1 --or 0 --out "$T/f"
ok $rc "file start runs (N and dims from the file)"
p0=$(grep -v '^#' "$T/f.csv" | sed -n 2p | cut -d, -f2)
[ "$p0" = "$(grep -v '^#' "$T/a.csv" | tail -1 | cut -d, -f2)" ]; ok $? "file start: sweep 0 is the file's plaquette"
grep -q "^# dims = 4x4x4x6" "$T/f.csv" && grep -q "^# n = 3" "$T/f.csv"; ok $? "file start records the file's N and dims"

# overwrite refusal, bad parameters
cp "$T/a.csv" "$T/a.keep"
run 0 generate $SMALL --out "$T/a"; ok $(( rc != 2 )) "existing outputs not overwritten (exit 2, got $rc)"
grep '^ymflow' "$T/err" | grep -q force && cmp -s "$T/a.csv" "$T/a.keep"; ok $? "refusal mentions --force, CSV intact"
run 0 generate $SMALL --out "$T/a" --force; ok $rc "--force replaces them"
check_bad() { # np, expected word, args...
    np=$1; word=$2; shift 2
    rm -f "$T/bad.csv" "$T/bad.csv.part"
    run $np generate $SMALL --out "$T/bad" "$@"
    ok $(( rc != 2 )) "np=$np generate $* exits 2 (got $rc)"
    [ "$(grep -c '^ymflow' "$T/err")" -eq 1 ] && grep '^ymflow' "$T/err" | grep -q -- "$word" && [ ! -e "$T/bad.csv" ] &&
        [ ! -e "$T/bad.csv.part" ]
    ok $? "np=$np generate $*: one line naming '$word', no output: $(grep '^ymflow' "$T/err" | head -c 200)"
}
check_bad 0 beta --beta 0
check_bad 0 beta --beta nan
check_bad 0 L0 --dims 5x4x4x4
check_bad 0 start --start lukewarm
check_bad 0 every --every 0
check_bad 0 gauge.n --N 9
check_bad 0 or --or -1
check_bad 0 unknown --frobnicate 3
check_bad 0 resume --resume
# on 2 ranks (a failure on one rank is a failure on all, one line): a card value and a lattice check
check_bad 2 beta --beta 0
check_bad 2 L0 --dims 5x4x4x4
echo "1..$n"
[ "$fails" = 0 ]
