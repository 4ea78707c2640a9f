# Cost of flow measurements against a flow step (owned by the measurement work).
noinst_PROGRAMS += bench/bench_measure
bench_bench_measure_SOURCES = bench/bench_measure.c
bench_bench_measure_LDADD = libymflow.la
EXTRA_DIST += bench/flow_job.sh bench/flow_vs_glu.sh
