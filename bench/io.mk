# Throughput of the configuration-file formats (owned by the formats work).
noinst_PROGRAMS += bench/bench_io
bench_bench_io_SOURCES = bench/bench_io.c
bench_bench_io_LDADD = libymflow.la
