# Heatbath / overrelaxation benchmark (owned by the generate work).
noinst_PROGRAMS += bench/bench_heatbath
bench_bench_heatbath_SOURCES = bench/bench_heatbath.c
bench_bench_heatbath_LDADD = libymflow.la
EXTRA_DIST += bench/heatbath.mk bench/heatbath_vs_milc.py
