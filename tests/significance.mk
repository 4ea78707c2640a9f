# Surrogate calibration of cluster p-values (tests/test_significance.c).
check_PROGRAMS += tests/test_significance
tests_test_significance_SOURCES = tests/test_significance.c tests/tap.h tests/common.h
tests_test_significance_LDADD = libymflow.la
TESTS += tests/test_significance
EXTRA_DIST += tests/significance.mk
# Analytic signals from a complex NPY embedded exactly (tests/test_npy_embed.c).
check_PROGRAMS += tests/test_npy_embed
tests_test_npy_embed_SOURCES = tests/test_npy_embed.c tests/tap.h tests/common.h tests/act_write.h
tests_test_npy_embed_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_npy_embed
