# Tests of lattice/ym_finder (instanton finder, matching along the flow).
check_PROGRAMS += tests/test_finder
tests_test_finder_SOURCES = tests/test_finder.c tests/tap.h tests/common.h
tests_test_finder_LDADD = libymflow.la
TESTS += tests/test_finder tests/mpi/finder-np2.mpi tests/mpi/finder-np4-xt.mpi tests/mpi/finder-np4-yz.mpi
EXTRA_DIST += tests/finder.mk
