# Surrogate calibration of cluster p-values (tests/test_significance.c).
check_PROGRAMS += tests/test_significance
tests_test_significance_SOURCES = tests/test_significance.c tests/tap.h tests/common.h
tests_test_significance_LDADD = libymflow.la
TESTS += tests/test_significance
EXTRA_DIST += tests/significance.mk
