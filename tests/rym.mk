# Tests of the "rym" solver (solvers/ym_rym): the coupled Ricci–Yang–Mills flow through the registry (RYM.md
# T3, flux torus, T10, T11, stability guards, checkpoint companion files); grid independence on 2 and 4 ranks.
check_PROGRAMS += tests/test_rym
tests_test_rym_SOURCES = tests/test_rym.c tests/tap.h tests/common.h tests/rym_common.h
tests_test_rym_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_rym tests/mpi/rym-np2.mpi tests/mpi/rym-np4-xy.mpi tests/mpi/rym-np4-zt.mpi tests/rym_cli.sh
EXTRA_DIST += tests/rym.mk tests/rym_cli.sh
check_PROGRAMS += tests/test_rym_smooth
tests_test_rym_smooth_SOURCES = tests/test_rym.c tests/tap.h tests/common.h tests/rym_common.h
tests_test_rym_smooth_CPPFLAGS = $(AM_CPPFLAGS) -DRYM_SMOOTH_ONLY
tests_test_rym_smooth_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_rym_smooth
