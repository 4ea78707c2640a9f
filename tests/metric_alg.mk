# The hand-coded per-site metric algebra (Cholesky, Jacobi eigenvalues, Shi's Ricci-DeTurck form) against
# GSL and the Christoffel form.
check_PROGRAMS += tests/test_metric_alg
tests_test_metric_alg_SOURCES = tests/test_metric_alg.c tests/tap.h tests/common.h
tests_test_metric_alg_LDADD = libymflow.la
TESTS += tests/test_metric_alg
EXTRA_DIST += tests/metric_alg.mk
