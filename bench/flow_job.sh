#!/bin/sh
# The whole `ymflow flow` job as a user runs it, repeated and alternated:
#   bench/flow_job.sh BUILD_DIR CONFIG [REPS (default 5)]
# Cases (steps:observables): 1 and 20 steps of
# `ymflow flow CONFIG --action wilson --integrator rk3 --eps 0.02`, either
# measuring nothing (--observables t: no computation at all) or measuring
# the default observables at every step (and at t = 0). Each case runs
# REPS times, the cases alternating, one process, and prints per case the
# median wall seconds and the median CPU (user + sys) seconds of the whole
# process (GNU time). On a shared machine the CPU time is the steadier
# figure: waiting for a core costs wall time, not CPU time.
set -eu
build=$1
conf=$2
reps=${3:-5}
Y=$build/ymflow
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cases="1:t 1:default 20:t 20:default"
for r in $(seq "$reps"); do
    for c in $cases; do
        steps=${c%%:*} obs=${c##*:}
        tmax=$(awk "BEGIN { printf \"%.2f\", $steps * 0.02 }")
        /usr/bin/time -f "%e %U %S" -o "$T/t" "$Y" flow "$conf" --action wilson --integrator rk3 --eps 0.02 \
            --tmax "$tmax" --observables "$obs" --out "$T/o.csv" --force >/dev/null
        echo "$c $(cat "$T/t")" >>"$T/all"
    done
done
echo "steps,observables,reps,median_wall_sec,median_cpu_sec"
for c in $cases; do
    grep "^$c " "$T/all" | awk -v c="$c" '{ w[NR] = $2; u[NR] = $3 + $4 }
        function med(a, n,   i, j, x) { for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j)
            if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { split(c, s, ":"); printf "%s,%s,%d,%.3f,%.3f\n", s[1], s[2], NR, med(w, NR), med(u, NR) }'
done
