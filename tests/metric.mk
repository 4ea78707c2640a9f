# Tests of the metric field (lattice/ym_metric, ym_ricci, io/ym_metric_io): starts, observables,
# HDF5, geometry from one jet and the metric-only oracles of RYM.md; grid independence on 1, 2, 4 ranks.
check_PROGRAMS += tests/test_ricci
tests_test_ricci_SOURCES = tests/test_ricci.c tests/tap.h tests/common.h
tests_test_ricci_LDADD = libymflow.la
TESTS += tests/test_ricci
EXTRA_DIST += tests/metric.mk
check_PROGRAMS += tests/test_metric
tests_test_metric_SOURCES = tests/test_metric.c tests/tap.h tests/common.h
tests_test_metric_LDADD = libymflow.la
TESTS += tests/test_metric tests/mpi/metric-np2.mpi tests/mpi/metric-np4.mpi tests/mpi/metric-np4-zt.mpi
check_PROGRAMS += tests/test_hybrid
tests_test_hybrid_SOURCES = tests/test_hybrid.c tests/tap.h tests/common.h
tests_test_hybrid_LDADD = libymflow.la
TESTS += tests/test_hybrid tests/mpi/hybrid-np2.mpi tests/mpi/hybrid-np4.mpi
check_PROGRAMS += tests/test_hybrid_fast
tests_test_hybrid_fast_SOURCES = tests/test_hybrid_fast.c tests/tap.h tests/common.h
tests_test_hybrid_fast_LDADD = libymflow.la
TESTS += tests/test_hybrid_fast
