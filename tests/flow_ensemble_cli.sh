#!/bin/sh
# ymflow flow over an ensemble of generated configurations (TAP).
# Oracles: each member's CSV is byte-identical to a plain `ymflow flow` of that
# configuration; every ensemble mean equals the mean of the members' CSV column
# (recomputed here with the same compensated sum, exact at %.17g); a glob and
# the explicit list give the same file; --groups 2 under 2 ranks and --groups
# 2, 4 under 4 ranks give byte-identical ensemble CSVs to one group with as
# many ranks per configuration (and to 1e-12 across rank counts); a missing
# file in the list, mixed lattices, a pattern matching nothing exit 2 with one
# line naming the file, as does a run card's single output (output.config);
# a run card applies to every member; --help documents the options; --resume
# keeps members flowed before and gives the uninterrupted run's ensemble CSV,
# refuses members flowed otherwise or truncated unless --force.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
close() { # close A B: same comments and header, numbers within 1e-12
    [ "$(grep '^#' "$1" | grep -v '^# configuration')" = "$(grep '^#' "$2" | grep -v '^# configuration')" ] || return 1
    grep -v '^#' "$1" >"$T/c1"; grep -v '^#' "$2" >"$T/c2"
    [ "$(wc -l <"$T/c1")" = "$(wc -l <"$T/c2")" ] || return 1
    paste -d, "$T/c1" "$T/c2" | awk -F, 'NR == 1 { next } { h = NF / 2; for (i = 1; i <= h; ++i) { a = $i; b = $(i + h);
        d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if (d > 1e-12 * (m > 1e-3 ? m : 1e-3)) bad = 1 } }
        END { exit bad }'
}
cd "$T" || exit 1
run 0 generate --N 3 --beta 5.8 --dims 4 --therm 4 --every 2 --count 4 --or 1 --seed 5 --out g
ok $rc "generate 4 SU(3) 4^4 configurations (rc $rc: $(head -c 200 "$T/err"))"
FL="--tmax 0.6 --eps 0.05"
run 0 flow --help
for f in --groups --errors --bin --stau --resume; do grep -q -- "$f " "$T/out"; ok $? "flow --help documents $f"; done

run 0 flow 'g.00*.ildg' $FL --out e.csv; ok $rc "ensemble from a glob (rc $rc: $(head -c 300 "$T/err"))"
for i in 0001 0002 0003 0004; do [ -s "e_g.$i.csv" ] || rc=1; done; ok $rc "one CSV per configuration (e_g.NNNN.csv)"
grep -q "^t0: " "$T/out" && grep -q "^w0_err: " "$T/out" && grep -q "^chi_top_err: " "$T/out" && grep -q "^Q2_tau_int: " "$T/out"
ok $? "prints t0, w0, Q2, chi_top with errors and tau_int"
run 0 flow g.0003.ildg $FL --out single.csv; ok $rc "plain flow of configuration 3"
sed 's/^# .*out = .*//' single.csv >s1; sed 's/^# .*out = .*//' e_g.0003.csv >s2
cmp -s s1 s2; ok $? "member CSV = plain flow CSV (the output name aside)"
# means: the compensated sum of ym_stats, in list order
m=0
for col in 2 3 5 6; do
    got=$(grep -v '^#' e.csv | awk -F, -v c=$((3 * col - 4)) 'NR > 1 { printf "%.17g\n", $c }')
    want=$(for i in 0001 0002 0003 0004; do grep -v '^#' "e_g.$i.csv" | awk -F, -v c=$col 'NR > 1 { print NR, $c }'; done |
        awk '{ x = $2 + 0; r = $1; t = s[r] + x; if ((s[r] < 0 ? -s[r] : s[r]) >= (x < 0 ? -x : x)) k[r] += (s[r] - t) + x;
               else k[r] += (x - t) + s[r]; s[r] = t; if (r > R) R = r }
             END { for (r = 2; r <= R; ++r) printf "%.17g\n", (s[r] + k[r]) / 4 }')
    [ "$got" = "$want" ] || { m=1; echo "# column $col: got $got want $want"; }
done
ok $m "ensemble means = means of the members' columns (plaquette, E_clover, W_clover, Q_clover) exactly"
run 0 flow g.0001.ildg g.0002.ildg g.0003.ildg g.0004.ildg $FL --out l.csv
ok $rc "ensemble from an explicit list"
sed 's/^# .*out = .*//' l.csv >l1; sed 's/^# .*out = .*//' e.csv >e1; cmp -s l1 e1; ok $? "list = glob"
run 0 flow 'g.00*.ildg' $FL --errors jackknife --bin 2 --out j.csv; ok $rc "jackknife, bin 2"
grep -q "jackknife in bins of 2" j.csv && ! grep -q "_tau_int" j.csv; ok $? "jackknife CSV says so, has no tau_int"

# rank groups
run 2 flow 'g.00*.ildg' $FL --groups 2 --out n2g2.csv; ok $rc "2 ranks, --groups 2 (rc $rc: $(head -c 300 "$T/err"))"
cmp -s e.csv n2g2.csv; ok $? "2 ranks in 2 groups = 1 rank (byte-identical)"
run 2 flow 'g.00*.ildg' $FL --out n2g1.csv; ok $rc "2 ranks, one group"
close e.csv n2g1.csv; ok $? "2 ranks per configuration = 1 rank to 1e-12"
run 4 flow 'g.00*.ildg' $FL --groups 2 --out n4g2.csv; ok $rc "4 ranks, --groups 2"
cmp -s n2g1.csv n4g2.csv; ok $? "4 ranks in 2 groups = 2 ranks in 1 group (byte-identical)"
run 4 flow 'g.00*.ildg' $FL --groups 4 --out n4g4.csv; ok $rc "4 ranks, --groups 4"
cmp -s e.csv n4g4.csv; ok $? "4 ranks in 4 groups = 1 rank (byte-identical)"
run 4 flow 'g.00*.ildg' $FL --groups 3 --out bad.csv
[ "$rc" = 2 ] && grep -q "groups" "$T/err"; ok $? "--groups 3 on 4 ranks exits 2 naming groups"

# bad inputs: one line naming the file, exit 2, no output
run 0 flow g.0001.ildg missing.ildg g.0002.ildg $FL --out m.csv
[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "missing.ildg" "$T/err" && [ ! -e m.csv ] && [ ! -e m_g.0001.csv ]
ok $? "missing file in the list: exit 2, one line: $(cat "$T/err")"
run 0 generate --N 3 --beta 5.8 --dims 4x4x4x6 --therm 1 --every 1 --count 1 --seed 5 --out h
run 0 flow g.0001.ildg h.0001.ildg g.0002.ildg $FL --out x.csv
[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "h.0001.ildg" "$T/err" && [ ! -e x.csv ]
ok $? "mixed lattice sizes: exit 2, one line: $(cat "$T/err")"
run 0 flow 'nothing.*.ildg' $FL --out y.csv
[ "$rc" = 2 ] && grep -q "nothing" "$T/err"; ok $? "a pattern matching nothing: exit 2: $(cat "$T/err")"
run 0 flow 'g.00*.ildg' $FL --out e.csv
[ "$rc" = 2 ] && grep -q "exists" "$T/err"; ok $? "existing outputs are kept without --force"
run 0 flow 'g.00*.ildg' $FL --config-out c.ildg --out z.csv
[ "$rc" = 2 ] && grep -q "config-out" "$T/err"; ok $? "--config-out refused with an ensemble"
printf '[output]\nconfig = one.ildg\n' >out.ini
run 0 flow out.ini 'g.00*.ildg' $FL --out z.csv
[ "$rc" = 2 ] && grep -q "output.config" "$T/err" && [ ! -e one.ildg ]; ok $? "a card's single output refused: $(cat "$T/err")"
printf '[flow]\neps = 0.1\n' >eps.ini
run 0 flow eps.ini g.0001.ildg g.0002.ildg --tmax 0.6 --out k.csv
[ "$rc" = 0 ] && grep -q "^# eps = 0.10000000000000001" k_g.0002.csv && [ "$(grep -vc '^#' k.csv)" = 8 ]
ok $? "a run card applies to every member (eps 0.1: 7 flow times)"

# --resume: an interrupted ensemble continues; members flowed before are read
mkdir -p r && cp e_g.0001.csv e_g.0002.csv r/
run 0 flow 'g.00*.ildg' $FL --out r/e.csv --resume
[ "$rc" = 0 ] && grep -q "^kept: 2$" "$T/out"; ok $? "--resume keeps the 2 members already flowed (rc $rc: $(head -c 200 "$T/err"))"
sed 's/^# .*out = .*//' r/e.csv >r1; sed 's/^# .*out = .*//' r/e_g.0004.csv >r4; sed 's/^# .*out = .*//' e_g.0004.csv >e4
cmp -s r1 e1 && cmp -s r4 e4
ok $? "resumed ensemble CSV and members = the uninterrupted run (output names aside)"
run 0 flow 'g.00*.ildg' --tmax 0.5 --eps 0.05 --out r/e.csv --resume
[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "other parameters" "$T/err"
ok $? "--resume with other parameters: exit 2, one line: $(cat "$T/err")"
head -n 20 e_g.0003.csv >r/e_g.0003.csv
run 0 flow 'g.00*.ildg' $FL --out r/e.csv --resume
[ "$rc" = 2 ] && grep -q "incomplete" "$T/err"; ok $? "--resume with a truncated member CSV: exit 2: $(cat "$T/err")"
run 0 flow 'g.00*.ildg' $FL --out r/e.csv --resume --force
[ "$rc" = 0 ] && grep -q "^kept: 3$" "$T/out" && sed 's/^# .*out = .*//' r/e.csv >r1 && cmp -s r1 e1
ok $? "--resume --force flows the truncated member again, keeps the others"
echo "1..$n"
[ "$fails" = 0 ]
