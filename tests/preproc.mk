# Preprocessing (solvers/ym_preproc, ym_fir) and surrogates (solvers/ym_surrogate).
check_PROGRAMS += tests/test_preproc tests/test_surrogate
tests_test_preproc_SOURCES = tests/test_preproc.c tests/tap.h
tests_test_preproc_LDADD = libymflow.la
tests_test_surrogate_SOURCES = tests/test_surrogate.c tests/tap.h
tests_test_surrogate_LDADD = libymflow.la
TESTS += tests/test_preproc tests/test_surrogate
EXTRA_DIST += tests/preproc.mk
