# RYM flow benchmark: seconds per "rym" step against a Wilson RK3 step (issue 10).
noinst_PROGRAMS += bench/bench_rym
bench_bench_rym_SOURCES = bench/bench_rym.c bench/bench_list.h
bench_bench_rym_LDADD = libymflow.la
# The N-dependent parts of an RYM step (hybrid force, source) per site.
noinst_PROGRAMS += bench/bench_hybrid
bench_bench_hybrid_SOURCES = bench/bench_hybrid.c bench/bench_list.h
bench_bench_hybrid_LDADD = libymflow.la
