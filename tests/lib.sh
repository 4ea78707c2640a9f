# Sourced by the shell tests (". "$top_srcdir/tests/lib.sh""): the ymflow
# binary $Y, a temporary folder $T removed on exit, the TAP counters, and
#   ok STATUS TEXT        one TAP line (STATUS 0 = ok); counts failures
#   run NP ARGS...        ymflow ARGS (NP = 0: no mpirun) with stdout in $T/out,
#                         stderr in $T/err and the exit code in $rc, killed
#                         after $RUN_TIMEOUT seconds (default 300) so that a
#                         deadlock fails the test instead of hanging it
#   key NAME              the value of the "NAME: value" line of $T/out
# A test ends with: echo "1..$n"; [ "$fails" = 0 ]
: "${top_builddir:=.}"
: "${top_srcdir:=${srcdir:-.}}"
: "${MPIRUN:=mpirun}"
: "${RUN_TIMEOUT:=300}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
Y="$top_builddir/ymflow"
case "$Y" in /*) ;; *) Y="$PWD/$Y" ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }
run() {
    np=$1; shift
    if [ "$np" = 0 ]; then timeout "$RUN_TIMEOUT" "$Y" "$@" >"$T/out" 2>"$T/err"; rc=$?
    else timeout "$RUN_TIMEOUT" "$MPIRUN" --oversubscribe -n "$np" "$Y" "$@" >"$T/out" 2>"$T/err"; rc=$?; fi
}
key() { sed -n "s/^$1: //p" "$T/out"; }
