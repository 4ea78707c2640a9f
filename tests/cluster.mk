# Tests of lattice/ym_cluster (sign-coherent clusters of q(x)).
check_PROGRAMS += tests/test_cluster
tests_test_cluster_SOURCES = tests/test_cluster.c tests/tap.h tests/common.h
tests_test_cluster_LDADD = libymflow.la
TESTS += tests/test_cluster tests/mpi/cluster-np2.mpi tests/mpi/cluster-np4-xy.mpi tests/mpi/cluster-np4-zt.mpi
EXTRA_DIST += tests/cluster.mk
