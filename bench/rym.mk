# RYM flow benchmark: seconds per "rym" step against a Wilson RK3 step (issue 10).
noinst_PROGRAMS += bench/bench_rym
bench_bench_rym_SOURCES = bench/bench_rym.c
bench_bench_rym_LDADD = libymflow.la
