#!/bin/sh
# ymflow started without mpirun (an MPI singleton) while other singletons run.
# Open MPI's isolated singletons all share one session directory
# ($TMPDIR/ompi.HOST.UID), which each creates and removes, so one starting
# while another finished failed MPI_Init (cli/ymflow.c). Oracles: a file
# squatting on that shared path (the race's losing state, made permanent)
# does not stop ymflow; 4 x 25 singletons started together all succeed; none
# leaves a session tree behind.
. "${top_srcdir:-${srcdir:-.}}/tests/lib.sh"
host=$(hostname | cut -d. -f1)
mkdir "$T/tmp"
: >"$T/tmp/ompi.$host.$(id -u)"
TMPDIR="$T/tmp" run 0 version
ok $(( rc != 0 )) "a file on the shared singleton session path does not stop MPI_Init (rc $rc: $(grep -v "^-*$" "$T/err" | head -2 | tr "\n" " " | head -c 200))"

rm -f "$T/tmp/ompi.$host.$(id -u)"
for p in 1 2 3 4; do
    (
        bad=0
        for k in $(seq 1 25); do
            TMPDIR="$T/tmp" timeout "$RUN_TIMEOUT" "$Y" version >/dev/null 2>"$T/err.$p" || {
                bad=$((bad + 1)); cp "$T/err.$p" "$T/lasterr.$p"; }
        done
        echo $bad >"$T/bad.$p"
    ) &
done
wait
bad=$(cat "$T"/bad.* | awk '{s += $1} END {print s}')
ok $(( bad != 0 )) "100 singletons, 4 at a time: $bad failed $(cat "$T"/lasterr.* 2>/dev/null | grep -v '^-*$' | head -2 | tr '\n' ' ' | head -c 200)"
left=$(ls -A "$T/tmp")
[ -z "$left" ]; ok $? "no session tree left in TMPDIR ($left)"
echo "1..$n"; [ "$fails" = 0 ]
