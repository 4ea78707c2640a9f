# Gradient-flow benchmark (owned by the flow performance work).
noinst_PROGRAMS += bench/bench_flow
bench_bench_flow_SOURCES = bench/bench_flow.c
bench_bench_flow_LDADD = libymflow.la
