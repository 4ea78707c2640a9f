noinst_PROGRAMS += bench/bench_curv
bench_bench_curv_SOURCES = bench/bench_curv.c
bench_bench_curv_LDADD = libymflow.la
EXTRA_DIST += bench/README.md bench/run.sh
