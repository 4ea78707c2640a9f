# Tests of the io/ formats (owned by the formats work).
check_PROGRAMS += tests/test_formats
tests_test_formats_SOURCES = tests/test_formats.c tests/tap.h tests/common.h
tests_test_formats_LDADD = libymflow.la
TESTS += tests/test_formats tests/mpi/formats-np2.mpi tests/mpi/formats-np2-x.mpi tests/mpi/formats-np4.mpi
