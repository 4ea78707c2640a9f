# The DeTurck drag option of the "rym" solver (parameter drag): W = 0 bit-identity, formula, T4 with the drag,
# 1 vs 2 ranks.
check_PROGRAMS += tests/test_rym_drag
tests_test_rym_drag_SOURCES = tests/test_rym_drag.c tests/tap.h tests/common.h tests/rym_common.h
tests_test_rym_drag_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_rym_drag tests/mpi/rym_drag-np2.mpi
EXTRA_DIST += tests/rym_drag.mk
