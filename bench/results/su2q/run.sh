#!/bin/bash
# alternating before/after rounds: bench_flow and the default pipeline
out=/tmp/su2q_bench
for r in 1 2 3; do
  for v in ref new; do
    B=/tmp/su2q_$v/_b
    echo "round $r $v load $(cut -d' ' -f1 /proc/loadavg) $(date -u +%T)" >> $out/log.txt
    $B/bench/bench_flow --N 2 --dims 8,16 --actions wilson --measure 0 --min-time 1 --out $out/flow_${v}_r$r.csv > /dev/null 2>>$out/log.txt
    /usr/bin/time -f "time $v $r wall %e user %U sys %S" $B/ymflow pipeline -o $out/pipe_${v} --force > $out/pipe_${v}_r$r.out 2>> $out/pipe_${v}_r$r.err
    tail -1 $out/pipe_${v}_r$r.err >> $out/log.txt
  done
done
echo finished >> $out/log.txt
