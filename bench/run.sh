#!/bin/sh
# Runs bench_curv for SU(2) and SU(3) on 1 and on 2 MPI ranks.
#
#   bench/run.sh [BUILD_DIR [RESULTS_DIR]]
#
# BUILD_DIR (default: _build of this source tree) is a configured build tree;
# bench/bench_curv is (re)built in it first. RESULTS_DIR (default:
# bench/results of this source tree) receives curv_su{2,3}_np{1,2}.csv and
# machine.txt (date, git revision, CPU, compiler, CFLAGS, load average).
# Environment: MIN_TIME (seconds per measurement, default 1.0), DIMS (default
# 8,12,16,20,24), GRID2 (process grid of the 2-rank runs, default: chosen by
# the library), MPIRUN (default mpirun).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
results=${2:-$top/bench/results}
: "${MIN_TIME:=1.0}" "${DIMS:=8,12,16,20,24}" "${GRID2:=}" "${MPIRUN:=mpirun}"

if [ ! -f "$build/Makefile" ]; then
    echo "run.sh: '$build' is not a configured build directory" >&2
    exit 2
fi
make -s -C "$build" bench/bench_curv
prog=$(cd "$build" && pwd)/bench/bench_curv
mkdir -p "$results"

# Loopback-only transport, runnable as root in containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader

{
    echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$top" status --porcelain 2>/dev/null | grep -q . && echo ' (dirty tree)')"
    # The timed kernels live in the library: name any uncommitted library
    # source with its blob hash, so a result can be matched to the code.
    echo "library sources differing from git:$(git -C "$top" status --porcelain -- lattice io 2>/dev/null |
        while read -r _ f; do printf ' %s@%.10s' "$f" "$(git -C "$top" hash-object "$f")"; done)"
    echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
    echo "memory: $(free -h 2>/dev/null | awk '/^Mem:/ {print $2}')"
    echo "os: $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null), kernel $(uname -r)"
    echo "compiler: $(sed -n 's/^CC = //p' "$build/Makefile") -> $(mpicc --version 2>/dev/null | head -1)"
    echo "cflags: $(sed -n 's/^CFLAGS = //p' "$build/Makefile") $(sed -n 's/^WARN_CFLAGS = //p' "$build/Makefile")"
    echo "mpi: $("$MPIRUN" --version 2>/dev/null | head -1)"
    echo "min_time: $MIN_TIME  dims: $DIMS  grid2: ${GRID2:-auto}"
} >"$results/machine.txt"

for np in 1 2; do
    grid=
    [ "$np" = 2 ] && [ -n "$GRID2" ] && grid="--grid $GRID2"
    for n in 2 3; do
        out=$results/curv_su${n}_np${np}.csv
        echo "== SU($n), $np rank(s) -> $out" >&2
        echo "load before SU($n) np=$np: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$results/machine.txt"
        # shellcheck disable=SC2086
        "$MPIRUN" --oversubscribe -n "$np" "$prog" --N "$n" --dims "$DIMS" --min-time "$MIN_TIME" $grid --out "$out"
    done
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$results/machine.txt"
