#!/bin/sh
# Fresh Debian 12 machine, as root: install, bootstrap, and run the whole TAP
# suite twice — a normal build and an AddressSanitizer+UBSan build — then
# `make distcheck` (with the tests that read shipped files), and print
# "N passed, N failed" counted from the TAP results of both builds. Exits
# non-zero on any failure.
# Options: --quick skips distcheck.
set -e
cd "$(dirname "$0")/.."
top=$(pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
sh scripts/deps.sh
./autogen.sh >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
: "${YM_REFERENCE_DIR:=$top/../shared/reference}"
export YM_REFERENCE_DIR
jobs=$(nproc)
status=0

show_failed_logs() { # dir: the failing results and the tail of each failing test's log
    for trs in $(find "$1" -name '*.trs' 2>/dev/null); do
        grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
        log=${trs%.trs}.log
        echo "---- ${log#"$1"/}" >&2
        grep -E '^(not ok|Bail out)' "$log" | head -5 >&2 || true
        tail -15 "$log" >&2
    done
}

build_and_check() { # dir, configure args...
    dir=$1; shift
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && "$top/configure" -q "$@" && make -j"$jobs" >/dev/null && make -j"$jobs" check >check.out 2>&1) || status=1
    grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP)' "$dir/check.out" | grep -Ev '^(PASS|SKIP)' || true
    [ $status = 0 ] || show_failed_logs "$dir"
}

echo "== normal build" >&2
build_and_check "$top/_build-check"
echo "== sanitizer build (ASan + UBSan)" >&2
build_and_check "$top/_build-asan" --enable-sanitizers
if [ $quick = 0 ]; then
    echo "== make distcheck" >&2
    # The two builds above already ran every test; distcheck is here for the
    # package (a tarball that holds everything, a VPATH build from it, install
    # and uninstall), so its check runs the tests that read files shipped in the
    # tarball (data/, examples/, tests/data/) and one MPI run, not the whole
    # suite a third time. TEST_LOGS (not TESTS) picks them, so that what
    # `make dist` puts in the tarball is unchanged.
    dc_logs="tests/test_su.log tests/example.log tests/flow_regression.log tests/su2_vacuum.log"
    dc_logs="$dc_logs tests/activity_cli.log tests/mpi/halo-np2-x.log"
    (cd "$top/_build-check" && make -j"$jobs" distcheck TEST_LOGS="$dc_logs" >distcheck.out 2>&1) || {
        status=1
        tail -40 "$top/_build-check/distcheck.out"
        # name what failed: the summary above does not
        grep -E '^(FAIL|ERROR|XPASS)' "$top/_build-check/distcheck.out" || true
        show_failed_logs "$top/_build-check/ymflow-"*/_build/sub
    }
fi

# Count TAP results from the tap-driver .trs files of both builds.
trs=$(find "$top/_build-check" "$top/_build-asan" -name '*.trs' -not -path '*/ymflow-*/*')
# shellcheck disable=SC2086
passed=$(cat $trs | grep -c '^:test-result: PASS' || true)
# shellcheck disable=SC2086
failed=$(cat $trs | grep -Ec '^:test-result: (FAIL|ERROR|XPASS)' || true)
# shellcheck disable=SC2086
skipped=$(cat $trs | grep -c '^:test-result: SKIP' || true)
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
