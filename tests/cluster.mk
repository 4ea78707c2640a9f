# Tests of lattice/ym_cluster (sign-coherent clusters of q(x)).
check_PROGRAMS += tests/test_cluster
tests_test_cluster_SOURCES = tests/test_cluster.c tests/tap.h tests/common.h
tests_test_cluster_LDADD = libymflow.la
TESTS += tests/test_cluster tests/mpi/cluster-np2.mpi tests/mpi/cluster-np4-xy.mpi tests/mpi/cluster-np4-zt.mpi
EXTRA_DIST += tests/cluster.mk
# The pipeline's surrogates analyse the last flow time only, on the observed steps (cli/analysis.c).
check_PROGRAMS += tests/test_ana_last
tests_test_ana_last_SOURCES = tests/test_ana_last.c tests/tap.h tests/common.h cli/analysis.c cli/analysis.h cli/cli_out.c cli/cli_out.h
tests_test_ana_last_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/cli
tests_test_ana_last_LDADD = libymflow.la
TESTS += tests/test_ana_last tests/mpi/ana_last-np2.mpi
