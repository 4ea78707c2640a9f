# Finder and clusters against one flow step (bench/bench_clusters.c).
noinst_PROGRAMS += bench/bench_clusters
bench_bench_clusters_SOURCES = bench/bench_clusters.c
bench_bench_clusters_LDADD = libymflow.la
EXTRA_DIST += bench/clusters.mk
# Read + preprocess + embed, stage by stage (bench/bench_activity.c).
noinst_PROGRAMS += bench/bench_activity
bench_bench_activity_SOURCES = bench/bench_activity.c
bench_bench_activity_LDADD = libymflow.la
