# Finder and clusters against one flow step (bench/bench_clusters.c).
noinst_PROGRAMS += bench/bench_clusters
bench_bench_clusters_SOURCES = bench/bench_clusters.c
bench_bench_clusters_LDADD = libymflow.la
EXTRA_DIST += bench/clusters.mk
