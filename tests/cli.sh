#!/bin/sh
# The ymflow command as a user and a script see it (TAP).
# Oracles: documented keys and exit codes (0 ok, 1 usage, 2 input error);
# one-line errors naming the parameter, on every rank count, no deadlock
# (each run has a timeout); the -o / info round trip reproduces the numbers;
# a corrupted or truncated file is refused with exit 2; outputs are never
# half-written or silently overwritten.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"

run 0 --help; ok $(( rc != 0 )) "--help exits 0"
grep -q instanton "$T/out"; ok $? "--help lists instanton"
run 0 version; ok $(( rc != 0 )) "version exits 0"
grep -q "^ymflow [0-9]" "$T/out"; ok $? "version prints 'ymflow X.Y.Z'"
run 0 frobnicate; ok $(( rc != 1 )) "unknown command exits 1"
run 0; ok $(( rc != 1 )) "no command exits 1"

for np in 0 2; do
    run $np instanton --dims 8x8x8x8 --rho 2 --grid 1x1x1x$([ $np = 0 ] && echo 1 || echo 2)
    ok $(( rc != 0 )) "np=$np instanton runs"
    for k in N dims plaquette action_wilson_over_8pi2 action_clover_over_8pi2 Q_clover; do
        [ -n "$(key $k)" ]; ok $? "np=$np instanton prints $k"
    done
    # 15 significant digits
    echo "$(key plaquette)" | grep -Eq '^0\.[0-9]{15}$'; ok $? "np=$np plaquette has 15 significant digits ($(key plaquette))"
    cp "$T/out" "$T/out.np$np"
done
grep -v '^grid:' "$T/out.np0" >"$T/a"; grep -v '^grid:' "$T/out.np2" >"$T/b"
cmp -s "$T/a" "$T/b"; ok $? "serial and 2-rank runs print identical numbers"

# bad input: exit 2, one line naming the parameter, on 1 and 2 ranks
check_bad() { # np, expected word, args...
    np=$1; word=$2; shift 2
    run $np instanton "$@"
    ok $(( rc != 2 )) "np=$np instanton $* exits 2 (got $rc)"
    # mpirun adds its own notice about the non-zero exit; ymflow's part is one line
    [ "$(grep -c '^ymflow' "$T/err")" -eq 1 ] && grep '^ymflow' "$T/err" | grep -q "$word"
    ok $? "np=$np instanton $*: one-line error naming '$word': $(grep '^ymflow' "$T/err" | head -c 200)"
}
for np in 0 2; do
    check_bad $np dims --dims 0x8x8x8
    check_bad $np dims --dims 8x8x8
    check_bad $np dims --dims 8xabcx8x8
    check_bad $np grid --dims 8x8x8x9 --grid 1x1x1x2
    check_bad $np N --N 1
    check_bad $np N --N 9
    check_bad $np rho --rho 0
    check_bad $np rho --rho -3
    check_bad $np rho --rho nan
    check_bad $np center --center 1,2,3
    check_bad $np center --center 4,4,4,4.5 --dims 8
    check_bad $np gauge --gauge sideways
    check_bad $np boundary --boundary twisted
    check_bad $np unknown --frobnicate 3
done
run 2 instanton --dims 8 --grid 1x1x1x1; ok $(( rc != 2 )) "np=2 grid of 1 rank refused with exit 2"

# write, info round trip, refusal to overwrite, corruption
run 0 instanton --dims 6x6x6x8 --N 3 --rho 1.5 -o "$T/inst.raw"; ok $(( rc != 0 )) "instanton -o writes a file"
q0=$(key Q_clover)
run 0 info "$T/inst.raw"; ok $(( rc != 0 )) "info reads it"
[ "$(key Q_clover)" = "$q0" ]; ok $? "info reproduces Q_clover ($(key Q_clover) vs $q0)"
run 2 info "$T/inst.raw"; ok $(( rc != 0 )) "info reads it on 2 ranks"
[ "$(key Q_clover)" = "$q0" ]; ok $? "2-rank info reproduces Q_clover"
run 0 instanton --dims 6x6x6x8 -o "$T/inst.raw"; ok $(( rc != 2 )) "existing output is not overwritten (exit 2)"
run 0 info "$T/inst.raw"; [ "$(key Q_clover)" = "$q0" ]; ok $? "refused overwrite left the old file intact"
run 0 instanton --dims 6x6x6x8 -o "$T/inst.raw" --force; ok $(( rc != 0 )) "--force replaces it"
ls "$T" | grep -q ymtmp; ok $(( $? == 0 )) "no temporary files left behind"

size=$(wc -c <"$T/inst.raw")
head -c $((size - 100)) "$T/inst.raw" >"$T/trunc.raw"
run 0 info "$T/trunc.raw"; ok $(( rc != 2 )) "truncated file: exit 2"
grep -q "trunc.raw" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; ok $? "truncated file: one line naming the file: $(cat "$T/err")"
cp "$T/inst.raw" "$T/flip.raw"; chmod u+w "$T/flip.raw"
printf '\377' | dd of="$T/flip.raw" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
run 0 info "$T/flip.raw"; ok $(( rc != 2 )) "flipped payload byte: exit 2"
grep -q checksum "$T/err"; ok $? "flipped payload byte: checksum error ($(cat "$T/err"))"
run 2 info "$T/flip.raw"; ok $(( rc != 2 )) "flipped payload byte on 2 ranks: exit 2"
: >"$T/empty.raw"; run 0 info "$T/empty.raw"; ok $(( rc != 2 )) "empty file: exit 2"
run 0 info "$T/does-not-exist"; ok $(( rc != 2 )) "missing file: exit 2"
run 0 info "$T"; ok $(( rc != 2 )) "directory: exit 2"
run 0 info; ok $(( rc != 1 )) "info without a file: exit 1"

# convert: a reference file through every writable format reads back to the
# same plaquette (GLU's recorded value 0.598545559082642)
ref="${YM_REFERENCE_DIR:-../shared/reference}/gauge/glu/lat400.original.nersc"
if [ -r "$ref" ]; then
    for to in ildg nersc raw openqcd; do
        run 0 convert "$ref" "$T/conv.$to" --to $to; ok $(( rc != 0 )) "convert to $to exits 0"
        run 2 info "$T/conv.$to"; ok $(( rc != 0 )) "info reads the $to file on 2 ranks"
        [ "$(key plaquette)" = "0.598545559082641" ]; ok $? "$to file has GLU's plaquette ($(key plaquette))"
    done
    run 0 convert "$ref" "$T/conv.ildg" --to ildg; ok $(( rc != 2 )) "convert refuses to overwrite (exit 2)"
    run 0 convert "$ref" "$T/conv.milc" --to milc; ok $(( rc != 0 )) "convert --to milc exits 0"
    run 0 info "$T/conv.milc"; echo "$(key plaquette)" | grep -q '^0\.598545[56]'; ok $? "milc file: plaquette to single precision ($(key plaquette))"
    run 0 convert "$ref" "$T/conv.x" --to frob; ok $(( rc != 2 )) "convert --to frob is refused with exit 2"
    # a damaged checksum: refused, then accepted on request and said so
    cp "$T/conv.nersc" "$T/bad.nersc"; chmod u+w "$T/bad.nersc"
    LC_ALL=C sed -i 's/^CHECKSUM *= *\([0-9a-f]*\)/CHECKSUM = 0badc0de/' "$T/bad.nersc"
    run 0 info "$T/bad.nersc"; ok $(( rc != 2 )) "wrong NERSC checksum: exit 2"
    grep -q checksum "$T/err"; ok $? "wrong NERSC checksum: says checksum ($(cat "$T/err"))"
    run 0 info "$T/bad.nersc" --accept-bad-checksum; ok $(( rc != 0 )) "--accept-bad-checksum reads it"
    grep -q "MISMATCH, accepted" "$T/out"; ok $? "--accept-bad-checksum says so in the output"
else
    n=$((n + 1)); echo "ok $n # SKIP reference data absent ($ref)"
fi

# provenance and carried records: convert records its source; LIME records
# other codes wrote come along to ILDG; flow --config-out records its parameters
tm="${YM_REFERENCE_DIR:-../shared/reference}/gauge/tmlqcd/conf.48"
if [ -r "$tm" ]; then
    run 0 convert "$tm" "$T/tm.ildg" --to ildg; ok $(( rc != 0 )) "convert tmLQCD conf.48 to ildg"
    grep -q "^records_carried: 2 xlf-info ranluxd-state" "$T/out"; ok $? "convert reports the carried records ($(grep records "$T/out"))"
    run 2 info "$T/tm.ildg"; ok $(( rc != 0 )) "info reads the converted file on 2 ranks"
    grep -q "^metadata: convert.source = $tm\$" "$T/out" && grep -q "^metadata: convert.source_checksum = verified" "$T/out"
    ok $? "info shows the conversion's provenance"
    [ "$(key checksum)" = "1c231a18 003c553b (verified)" ]; ok $? "64-bit data rewritten exactly (tmLQCD's checksum: $(key checksum))"
    run 0 convert "$T/tm.ildg" "$T/tm.nersc" --to nersc --rows 2; ok $(( rc != 0 )) "convert on to nersc"
    run 0 info "$T/tm.nersc"
    [ "$(grep -c '^metadata: convert.source = ' "$T/out")" = 2 ] && grep -q "^metadata: convert.rows = 2" "$T/out"
    ok $? "NERSC keeps the earlier provenance and adds its own ($(grep -c '^metadata' "$T/out") lines)"
    grep -q "^YMFLOW_PARAM_001 = convert.source = " "$T/tm.nersc"; ok $? "NERSC metadata as YMFLOW_PARAM_<k> header keys"
else
    n=$((n + 1)); echo "ok $n # SKIP reference data absent ($tm)"
fi
# headerless SU(2) links: read with an explicit layout, converted
su2="${YM_REFERENCE_DIR:-../shared/reference}/gauge/su2-raw/su2_from_weak_field.su2.f64be"
if [ -r "$su2" ]; then
    run 2 info "$su2" --headerless N=2,dims=4x4x4x8,f64be; ok $(( rc != 0 )) "info --headerless reads su2-raw on 2 ranks"
    [ "$(key plaquette)" = "0.99561179961197" ]; ok $? "headerless plaquette as recorded ($(key plaquette))"
    run 0 info "$su2"; ok $(( rc != 2 )) "headerless file without a layout: exit 2"
    grep -q -- "--headerless" "$T/err"; ok $? "the error points to --headerless ($(cat "$T/err"))"
    run 0 info "$su2" --headerless N=2,dims=4x4x4x4,f64be; ok $(( rc != 2 )) "mismatched layout: exit 2"
    grep -q "wrong layout" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; ok $? "mismatched layout: one line ($(cat "$T/err"))"
    run 0 convert "$su2" "$T/su2.ildg" --to ildg --headerless N=2,dims=4x4x4x8,f64be; ok $(( rc != 0 )) "convert --headerless to ildg"
    run 0 info "$T/su2.ildg"; [ "$(key plaquette)" = "0.99561179961197" ] && grep -q "^metadata: convert.source_format = headerless" "$T/out"
    ok $? "the ILDG file has the same plaquette and records the source format"
else
    n=$((n + 1)); echo "ok $n # SKIP reference data absent ($su2)"
fi
# MILC's Schroedinger-functional sample: reported, refused for computations
sf="${YM_REFERENCE_DIR:-../shared/reference}/gauge/milc/lat.sample.5p7"
if [ -r "$sf" ]; then
    run 0 info "$sf"; ok $(( rc != 2 )) "lat.sample.5p7: stored checksums disagree: exit 2"
    grep -q "stored 2e218ab1 2d188e6b, data 72d77a0a 19447b24" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]
    ok $? "lat.sample.5p7: one line with stored and computed checksums"
    run 2 info "$sf" --accept-bad-checksum; ok $(( rc != 0 )) "lat.sample.5p7 --accept-bad-checksum: full report on 2 ranks"
    echo "$(key plaquette)" | grep -q '^0\.5726892[67]'; ok $? "lat.sample.5p7: recorded plaquette 0.5726892722 ($(key plaquette))"
    grep -q "^sf_boundary: .*c_t 0.906315804, phi 0.130899702 (pi/24)" "$T/out"; ok $? "lat.sample.5p7: SF boundary reported"
    run 0 convert "$sf" "$T/sf.ildg" --to ildg --accept-bad-checksum; ok $(( rc != 2 )) "lat.sample.5p7: convert refused (exit 2)"
else
    n=$((n + 1)); echo "ok $n # SKIP reference data absent ($sf)"
fi
run 0 flow --dims 4x4x4x4 --tmax 0.02 --eps 0.01 --action symanzik --out "$T/f.csv" --config-out "$T/f.ildg"
ok $(( rc != 0 )) "flow --config-out writes the configuration"
run 0 info "$T/f.ildg"
grep -q "^metadata: flow.action = symanzik" "$T/out" && grep -q "^metadata: flow.eps = 0.01" "$T/out" &&
    grep -q "^metadata: start.dims = 4x4x4x4" "$T/out"
ok $? "the configuration carries the effective parameters ($(grep -c '^metadata' "$T/out") lines)"

echo "1..$n"
[ $fails -eq 0 ]
