# Tests of lattice/ym_stats (jackknife, Gamma method).
check_PROGRAMS += tests/test_stats
tests_test_stats_SOURCES = tests/test_stats.c tests/tap.h
tests_test_stats_LDADD = libymflow.la
TESTS += tests/test_stats
EXTRA_DIST += tests/stats.mk
