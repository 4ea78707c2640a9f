#!/bin/sh
# ymflow embed / clusters / pipeline as a user and a script see them (TAP).
# Oracles: documented options and columns; the shipped ECoG recording (8x8
# grid, 999.41 Hz, 21658 samples) gives the lattice its windows imply
# (0.5 s = 500 samples every 250: 85 windows; 8 bands in pairs: z = 4);
# boundary conditions travel with the embedded file (ymflow info reports
# them); the embedded field and every table are byte-identical on 1, 2 and 4
# ranks; a planted BPST instanton is found at its centre with sign +1;
# reruns with the same seed are identical; bad input is refused with exit 2
# and one line, and existing outputs are never replaced without --force.
RUN_TIMEOUT=600
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
EDF="$top_srcdir/data/ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf"
case "$EDF" in /*) ;; *) EDF="$PWD/$EDF" ;; esac
oneline() { [ "$(wc -l <"$T/err")" -eq 1 ]; }

# ---- embed ----
run 0 embed --help; ok $(( rc != 0 )) "embed --help exits 0"
for f in --layout --rate --window --hop --bands-per-site --bad --pad -o; do
    grep -q -- "$f" "$T/out"; ok $? "embed --help documents $f"
done
run 0 embed "$EDF" -o "$T/e.ildg"; ok $(( rc != 0 )) "embed the shipped ECoG (rc $rc: $(head -c 300 "$T/err"))"
[ "$(key dims)" = 8x8x4x85 ]; ok $? "dims 8x8x4x85 (got $(key dims))"
[ "$(key N)" = 2 ]; ok $? "SU(2) links from band pairs"
[ "$(key boundary)" = open,open,open,open ]; ok $? "open boundaries"
p=$(key plaquette)
awk -v p="$p" 'BEGIN { exit !(p > 0.05 && p < 0.95) }'; ok $? "plaquette $p is neither random nor pure gauge"
grep -q "note:.*EKG" "$T/err"; ok $? "the channels left out of the grid are named in a note"
[ -s "$T/e_sites.h5" ]; ok $? "HDF5 companion written"
run 0 info "$T/e.ildg"; ok $(( rc != 0 )) "ymflow info reads the embedded file"
grep -q "^boundary: open,open,open,open (from the file's metadata)" "$T/out"; ok $? "info applies the boundary recorded in the file"
[ "$(key plaquette)" = "$p" ]; ok $? "info's plaquette equals embed's"
grep -q "^metadata: # x.y.channel.name" "$T/out"; ok $? "the site table travels inside the configuration"
run 2 embed "$EDF" -o "$T/e2.ildg" --grid 2x1x1x1; ok $(( rc != 0 )) "embed on 2 ranks (grid 2x1x1x1)"
cmp -s "$T/e.ildg" "$T/e2.ildg"; ok $? "embedded file byte-identical on 1 and 2 ranks"
run 4 embed "$EDF" -o "$T/e4.ildg" --grid 2x1x2x1; ok $(( rc != 0 )) "embed on 4 ranks"
cmp -s "$T/e.ildg" "$T/e4.ildg"; ok $? "embedded file byte-identical on 1 and 4 ranks (grid 2x1x2x1)"
run 0 embed "$EDF" -o "$T/e.ildg"; ok $(( rc != 2 )) "an existing output is refused (exit 2)"
cmp -s "$T/e.ildg" "$T/e2.ildg"; ok $? "the refused run left the output untouched"
# a layout file: C1..C64 on a 4 x 16 grid
awk 'BEGIN { print "name\trow\tcol"; for (k = 1; k <= 64; ++k) print "C" k "\t" int((k-1)/16) "\t" (k-1)%16 }' >"$T/lay.tsv"
run 0 embed "$EDF" --layout "$T/lay.tsv" --window 1 --hop 0.5 --bands 6 --bands-per-site 3 -o "$T/l.ildg"
ok $(( rc != 0 )) "embed with a layout file, 1 s windows, SU(3) (rc $rc: $(head -c 300 "$T/err"))"
[ "$(key dims)" = 16x4x2x42 ]; ok $? "layout 16 columns x 4 rows, 2 band groups, 42 windows (got $(key dims))"
[ "$(key N)" = 3 ]; ok $? "K = 3 gives SU(3)"
run 0 embed "$EDF" --bad C12,C40 -o "$T/b.ildg"; ok $(( rc != 0 )) "bad channels accepted"
grep -q "note: .*masked: C12 (listed), C40 (listed)" "$T/err"; ok $? "the note names the masked channels and why"
[ "$(key masked_sites)" = 2 ]; ok $? "two masked sites"
run 0 embed "$EDF" --events '*' --pre 1 --post 1 -o "$T/ep.ildg"; ok $(( rc != 0 )) "epochs around the annotations"
grep -q "eeg sz start" "$T/ep_epochs.tsv"; ok $? "manifest names the seizure-onset event"
[ -s "$T/ep_epoch-001.ildg" ]; ok $? "one configuration per epoch"

run 0 flow --start "file:$T/e.ildg" --tmax 0.1 --eps 0.05 --out "$T/f.csv"; ok $(( rc != 0 )) "ymflow flow accepts the embedded field (rc $rc: $(head -c 200 "$T/err"))"
pf=$(grep -v '^#' "$T/f.csv" | sed -n 2p | cut -d, -f2)
awk -v a="$pf" -v b="$p" 'BEGIN { d = a - b; exit !(d < 1e-12 && d > -1e-12) }'
ok $? "the flow starts from the embed's plaquette, so it applied the file's open boundaries ($pf vs $p)"

# imaging movies (GPL-2 test data, used from the reference folder only)
SIMA="${YM_REFERENCE_DIR:-$top_srcdir/../shared/reference}/neuro/twophoton-sima"
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
if [ -r "$SIMA/example.h5" ]; then
    run 0 embed "$SIMA/example.h5" --axes y,x,t --rate 10 --bands 4 --fmin 0.5 --fmax 4 --window 0.8 --hop 0.4 --bin 16 -o "$T/sima.ildg"
    ok $(( rc != 0 )) "embed the SIMA plane movie (rc $rc: $(head -c 200 "$T/err"))"
    [ "$(key dims)" = 16x8x2x4 ]; ok $? "256x128 pixels in 16x16 bins, 2 band groups, 4 windows (got $(key dims))"
    run 0 embed "$SIMA/example-volume.h5" --axes t,z,y,x,c --rate 10 --bands 4 --fmin 0.5 --fmax 4 --window 0.4 --hop 0.2 --bin 8 -o "$T/simav.ildg"
    ok $(( rc != 0 )) "embed the SIMA volume movie, plane 0, colour channel 0"
    run 0 info "$T/sima.ildg"; ok $(( rc != 0 )) "ymflow info reads the embedded movie"
else
    for i in 1 2 3 4; do skip "SIMA movies absent ($SIMA)"; done
fi

# bad input: one line, exit 2, nothing written
run 0 embed "$T/missing.edf" -o "$T/x.ildg"; ok $(( rc == 0 || rc == 3 )) "a missing recording fails"
oneline && grep -q "missing.edf: cannot open: No such file" "$T/err" && ! grep -q "run card" "$T/err"
ok $? "a missing recording: one line naming it, not taken for a run card ($(head -c 200 "$T/err"))"
run 0 pipeline "$T/missing.edf" -o "$T/pmiss"; ok $(( rc != 2 )) "pipeline, a missing recording: exit 2"
oneline && grep -q "missing.edf: cannot open: No such file" "$T/err" && [ ! -e "$T/pmiss" ]
ok $? "pipeline, a missing recording: one line naming it, no output folder ($(head -c 200 "$T/err"))"
: >"$T/empty.edf"
head -c 3000 /dev/urandom >"$T/noise.edf"
for f in empty noise; do
    run 0 pipeline "$T/$f.edf" -o "$T/p$f"; ok $(( rc != 2 )) "pipeline, $f.edf (not a recording, not a card): exit 2"
    oneline && grep -q "$f.edf: neither a recording .* nor a run card" "$T/err" && [ ! -e "$T/p$f" ]
    ok $? "pipeline, $f.edf: one line saying it is neither, no default run, no output ($(head -c 200 "$T/err"))"
    run 0 embed "$T/$f.edf" -o "$T/$f.ildg"; ok $(( rc != 2 )) "embed, $f.edf: exit 2"
    grep -q "$f.edf: neither a recording" "$T/err"; ok $? "embed, $f.edf: says it is neither ($(head -c 200 "$T/err"))"
done
head -c 20000 "$EDF" >"$T/trunc.edf"
run 0 embed "$T/trunc.edf" -o "$T/x.ildg"; ok $(( rc != 2 )) "a truncated EDF: exit 2"
oneline; ok $? "a truncated EDF: one line ($(head -c 200 "$T/err"))"
grep -q "trunc.edf" "$T/err"; ok $? "the error names the file"
[ ! -e "$T/x.ildg" ]; ok $? "nothing written for bad input"
run 0 embed "$EDF" --bad C99 -o "$T/x.ildg"; ok $(( rc != 2 )) "an unknown bad channel: exit 2"
run 0 embed "$EDF" --window 0 -o "$T/x.ildg"; ok $(( rc != 2 )) "a zero window: exit 2"
run 0 embed "$EDF" --embed.K=9 -o "$T/x.ildg"; ok $(( rc != 2 )) "K out of range: exit 2"
run 0 embed "$EDF" --frobnicate 1 -o "$T/x.ildg"; ok $(( rc != 2 )) "an unknown option: exit 2"
[ ! -e "$T/x.ildg" ]; ok $? "still nothing written"

# ---- clusters ----
run 0 instanton --dims 12x12x12x16 --N 2 --rho 3 -o "$T/inst.ildg"; ok $(( rc != 0 )) "a rho = 3 instanton"
run 0 clusters --help; ok $(( rc != 0 )) "clusters --help exits 0"
run 0 clusters "$T/inst.ildg" --out "$T/c1"; ok $(( rc != 0 )) "clusters on an ILDG file (rc $rc: $(head -c 300 "$T/err"))"
h=$(head -1 "$T/c1_instantons.tsv" | cut -f1-9)
[ "$h" = "$(printf 'x\ty\tz\tt\tsign\trho_peak\trho_fit\tcharge_ball\tduality')" ]; ok $? "instantons.tsv columns"
h=$(head -1 "$T/c1_clusters.tsv" | cut -f1-9)
[ "$h" = "$(printf 'label\tsign\tcharge\taction_over_8pi2\tvolume\tx\ty\tz\tt')" ]; ok $? "clusters.tsv columns"
[ "$(tail -n +2 "$T/c1_instantons.tsv" | wc -l)" -eq 1 ]; ok $? "one instanton found"
awk -F'\t' 'NR == 2 { exit !($5 == 1 && ($1-5.5)^2 < 1 && ($2-5.5)^2 < 1 && ($3-5.5)^2 < 1 && ($4-7.5)^2 < 1) }' "$T/c1_instantons.tsv"
ok $? "at the centre (5.5,5.5,5.5,7.5) within one site, sign +1"
awk -F'\t' 'NR == 2 { exit !($2 == 1) }' "$T/c1_clusters.tsv"; ok $? "its cluster is positive"
for g in 1x1x1x2 2x1x1x1; do
    run 2 clusters "$T/inst.ildg" --out "$T/c2" --grid $g --force; ok $(( rc != 0 )) "clusters on 2 ranks ($g)"
    for s in instantons clusters candidates flow scan; do
        cmp -s "$T/c1_$s.tsv" "$T/c2_$s.tsv"; ok $? "$s.tsv byte-identical on 1 and 2 ranks ($g)"
    done
done
run 4 clusters "$T/inst.ildg" --out "$T/c4" --grid 1x2x1x2; ok $(( rc != 0 )) "clusters on 4 ranks"
for s in instantons clusters candidates flow scan; do
    cmp -s "$T/c1_$s.tsv" "$T/c4_$s.tsv"; ok $? "$s.tsv byte-identical on 1 and 4 ranks"
done
run 0 clusters "$T/inst.ildg" --out "$T/cf" --tmax 0.2 --times 0.1; ok $(( rc != 0 )) "clusters along a flow"
[ "$(tail -n +2 "$T/cf_flow.tsv" | wc -l)" -eq 2 ]; ok $? "two flow times analysed"
awk -F'\t' 'NR > 1 { print $13 }' "$T/cf_instantons.tsv" | sort -u | wc -l | grep -qx 1; ok $? "the instanton keeps one track id along the flow"
# improved densities along a flow: one 5Li workspace serves every analysed time
run 0 clusters "$T/inst.ildg" --out "$T/l1" --density 5li --tmax 0.2; ok $(( rc != 0 )) "clusters with 5Li densities"
run 0 clusters "$T/inst.ildg" --out "$T/l2" --density 5li --tmax 0.2 --times 0; ok $(( rc != 0 )) "5Li at t = 0 and 0.2 (rc $rc: $(head -c 200 "$T/err"))"
[ "$(tail -n 1 "$T/l1_flow.tsv")" = "$(tail -n 1 "$T/l2_flow.tsv")" ]; ok $? "the t = 0.2 row is the same after a pass at t = 0 through the same workspace"
run 2 clusters "$T/inst.ildg" --out "$T/l3" --density 5li --tmax 0.2 --times 0 --grid 1x1x1x2; ok $(( rc != 0 )) "5Li along a flow on 2 ranks"
for s in flow clusters instantons; do
    cmp -s "$T/l2_$s.tsv" "$T/l3_$s.tsv"; ok $? "5Li $s.tsv byte-identical on 1 and 2 ranks"
done
run 0 instanton --dims 12x12x12x16 --N 2 --rho 4 -o "$T/i4.ildg"
run 0 clusters "$T/i4.ildg" --out "$T/c5"; ok $(( rc != 0 )) "clusters on the default (hypercube-centred) instanton"
[ "$(tail -n +2 "$T/c5_instantons.tsv" | wc -l)" -eq 1 ]; ok $? "an object centred between sites is found once"
awk -F'\t' 'NR == 2 { exit !(($7 - 4)^2 < 0.04) }' "$T/c5_instantons.tsv"; ok $? "its fitted rho is 4 within 5 %"
run 0 clusters "$T/inst.ildg" "$T/i4.ildg" --out "$T/en"; ok $(( rc != 0 )) "clusters over an ensemble of two"
grep -q "^ensemble: instantons_per_config	1	0	2" "$T/out"; ok $? "one instanton per configuration, jackknife error 0"
run 2 clusters "$T/inst.ildg" "$T/i4.ildg" --out "$T/en2" --groups 2; ok $(( rc != 0 )) "the ensemble in 2 groups of ranks"
for s in ensemble ensemble_configs ensemble_objects; do
    cmp -s "$T/en_$s.tsv" "$T/en2_$s.tsv"; ok $? "$s.tsv identical with 1 rank and 2 groups"
done
run 0 clusters "$T/e.ildg" --out "$T/ce" --tmax 0.1; ok $(( rc != 0 )) "clusters on the embedded ECoG field"
run 0 clusters "$T/lay.tsv" --out "$T/x"; ok $(( rc == 0 )) "clusters on a non-configuration fails"

# ---- pipeline ----
run 0 pipeline --help; ok $(( rc != 0 )) "pipeline --help exits 0"
for f in --surrogates --groups --seed -o; do grep -q -- "$f" "$T/out"; ok $? "pipeline --help documents $f"; done
run 0 pipeline --surrogates 3 -o "$T/pl"; ok $(( rc != 0 )) "the default pipeline runs (rc $rc: $(head -c 300 "$T/err"))"
S="$T/pl/sub-pat01_ses-test_acq-ecog_ieeg"
hdr=$(head -1 "${S}_desc-instantons_events.tsv")
for c in onset duration band_low band_high electrodes sign charge volume p_value; do
    printf '\t%s\t' "$hdr" | grep -q "	$c	"; ok $? "events.tsv has column $c"
done
[ "$(tail -n +2 "${S}_desc-instantons_events.tsv" | wc -l)" -ge 1 ]; ok $? "at least one cluster reported"
awk -F'\t' 'NR > 1 && !($11 >= 0.25 && $11 <= 1) { bad = 1 } END { exit bad }' "${S}_desc-instantons_events.tsv"
ok $? "p-values lie in [1/(n+1), 1] for n = 3"
awk -F'\t' 'NR > 1 && !($1 >= 0 && $1 + $2 <= 21.7 && $3 >= 3.9 && $4 <= 128.1) { bad = 1 } END { exit bad }' "${S}_desc-instantons_events.tsv"
ok $? "onsets, durations and bands lie inside the recording and the band bank"
if command -v python3 >/dev/null 2>&1; then
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if 'p_value' in d and 'Parameters' in d else 1)" \
        "${S}_desc-instantons_events.json"; ok $? "JSON sidecar parses and describes p_value"
else
    n=$((n + 1)); echo "ok $n # SKIP python3 absent: JSON sidecar not parsed"
fi
for pl in flow qgrid raster; do
    head -c 8 "${S}_desc-${pl}_plot.png" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a'; ok $? "$pl plot is a PNG"
done
[ -s "${S}_desc-instantons_fields.h5" ]; ok $? "fields HDF5 written"
run 0 info "${S}_desc-flowed_gauge.ildg"; ok $(( rc != 0 )) "the flowed configuration reads back"
grep -q "^onset_s" "$T/out" || true
run 0 pipeline --surrogates 3 -o "$T/pl"; ok $(( rc != 2 )) "a second run without --force is refused"
run 2 pipeline --surrogates 3 --groups 2 -o "$T/pg"; ok $(( rc != 0 )) "pipeline on 2 ranks in 2 groups"
S2="$T/pg/sub-pat01_ses-test_acq-ecog_ieeg"
for s in events.tsv clusters.tsv surrogates.tsv objects.tsv; do
    cmp -s "${S}_desc-instantons_$s" "${S2}_desc-instantons_$s"; ok $? "$s identical with 1 rank and 2 groups"
done
# the lattice split across ranks, the open band-group direction among them:
# each rank makes the channels its sites need
run 2 pipeline --surrogates 3 --grid 1x1x2x1 -o "$T/pz"; ok $(( rc != 0 )) "pipeline on 2 ranks, lattice split in z"
for s in events.tsv clusters.tsv surrogates.tsv; do
    cmp -s "${S}_desc-instantons_$s" "$T/pz/sub-pat01_ses-test_acq-ecog_ieeg_desc-instantons_$s"
    ok $? "$s identical with 1 rank and a 1x1x2x1 process grid"
done
run 0 pipeline --surrogates 3 -o "$T/pr"
cmp -s "${S}_desc-instantons_surrogates.tsv" "$T/pr/sub-pat01_ses-test_acq-ecog_ieeg_desc-instantons_surrogates.tsv"
ok $? "a rerun with the same seed is identical"
run 0 pipeline "$T/trunc.edf" -o "$T/px/a/b"; ok $(( rc != 2 )) "pipeline on a truncated file: exit 2"
oneline; ok $? "one line"
[ ! -e "$T/px" ]; ok $? "the output folders made for the run are removed again"

echo "1..$n"
[ $fails -eq 0 ]
