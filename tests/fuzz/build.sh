#!/bin/sh
# Builds the libFuzzer harnesses for the gauge-file readers against the
# library sources (no configure needed) and, if missing, the seed corpus.
#   tests/fuzz/build.sh [OUTDIR]     (default: $YM_FUZZ_BUILD or <top>/_build-fuzz)
# Produces OUTDIR/fuzz_<fmt> for fmt in any raw ildg nersc milc openqcd, the
# activity readers fuzz_act_npy, fuzz_act_edf, fuzz_act_nwb (EDFlib: -ledf), and
# the accept-bad-checksum variants fuzz_<fmt>_accept (any, raw, nersc, milc,
# openqcd: the readers whose checksums otherwise stop every mutated payload).
# Needs clang with libFuzzer (Debian/Ubuntu: clang and libclang-rt-14-dev;
# the check below installs the latter when run as root), MPI (mpicc), GSL,
# zlib, libinih.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-${YM_FUZZ_BUILD:-$top/_build-fuzz}}
CC=${CC_FUZZ:-clang}
FORMATS=${YM_FUZZ_FORMATS:-"any raw ildg nersc milc openqcd any_accept raw_accept nersc_accept milc_accept openqcd_accept act_npy act_edf act_nwb"}
mkdir -p "$out/obj"

# libFuzzer lives in the compiler-rt package; probe with a trivial target.
probe() {
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
        >"$out/probe.c"
    "$CC" -fsanitize=fuzzer,address,undefined "$out/probe.c" -o "$out/probe" >/dev/null 2>&1
}
if ! probe; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y libclang-rt-14-dev >/dev/null || true
    fi
    probe || { echo "build.sh: $CC cannot link -fsanitize=fuzzer (install clang and libclang-rt-dev)" >&2; exit 77; }
fi

MPI_CFLAGS=$(mpicc -showme:compile)
MPI_LIBS=$(mpicc -showme:link)
# ym_status.c includes the configure-generated config.h; a stub suffices.
printf '#define PACKAGE_VERSION "fuzz"\n' >"$out/config.h"
# glibc's <complex.h> defines CMPLX only for GCC >= 4.7, and clang reports
# itself as GCC 4.2; clang >= 12 has __builtin_complex, so supply the macro.
cat >"$out/clang_compat.h" <<'EOC'
#include <complex.h>
#ifndef CMPLX
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif
EOC
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
 -include $out/clang_compat.h -I$out -I$top/lattice -I$top/io $MPI_CFLAGS $(pkg-config --cflags hdf5-openmpi)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# inih: io/ym_card.c (run cards) is compiled with the rest of io/.
INIH_LIBS=$(pkg-config --libs inih 2>/dev/null || echo -linih)
# EDFlib (no pkg-config file): the EDF/BDF activity reader.
LIBS="$MPI_LIBS $INIH_LIBS $(pkg-config --libs hdf5-openmpi) -ledf -lgsl -lgslcblas -lz -lm"

# The library, instrumented for coverage (fuzzer-no-link) so libFuzzer can
# steer into the readers' branches.
objs=
for src in "$top"/lattice/*.c "$top"/io/*.c; do
    o="$out/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    "$CC" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$o"
    objs="$objs $o"
done
for fmt in $FORMATS; do
    # fuzz_<fmt>_accept: the same entry point reading with YM_CONFIG_ACCEPT_BAD_CHECKSUM
    # fuzz_act_<reader>: the activity readers (fuzz_activity.c)
    src=$here/fuzz_reader.c
    case $fmt in
    act_*) base=$fmt extra=-DYM_FUZZ_ACT=${fmt#act_} src=$here/fuzz_activity.c ;;
    *_accept) base=${fmt%_accept} extra=-DYM_FUZZ_ACCEPT=1 ;;
    *) base=$fmt extra= ;;
    esac
    # shellcheck disable=SC2086
    "$CC" $CFLAGS $SAN -fsanitize=fuzzer -DYM_FUZZ_FORMAT="$base" $extra "$src" $objs $LIBS \
        -o "$out/fuzz_$fmt"
done

# Seeds: written by the library's writers (plus hand-assembled MILC and
# openQCD files), never copied from third-party data.
if [ ! -d "$here/corpus/ildg" ] || [ -n "${YM_FUZZ_REGEN:-}" ]; then
    # shellcheck disable=SC2086
    "$CC" $CFLAGS $SAN "$here/gen_seeds.c" $objs $LIBS -fsanitize=fuzzer-no-link -o "$out/gen_seeds"
    # (fuzz_any has no directory of its own: it starts from all of these.)
    for d in raw ildg nersc milc openqcd; do mkdir -p "$here/corpus/$d"; done
    # OpenMPI keeps allocations until exit by design; they are not ours.
    ASAN_OPTIONS=detect_leaks=0 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$out/gen_seeds" "$here/corpus"
fi
# Activity-reader seeds (tests/act_write.h), likewise only when missing.
if [ ! -d "$here/corpus/act_npy" ] || [ -n "${YM_FUZZ_REGEN:-}" ]; then
    # shellcheck disable=SC2086
    "$CC" $CFLAGS $SAN "$here/gen_act_seeds.c" $LIBS -o "$out/gen_act_seeds"
    ASAN_OPTIONS=detect_leaks=0 "$out/gen_act_seeds" "$here/corpus"
fi
echo "build.sh: harnesses in $out"
