# The improved charge's Wilson-line kernel against a link-by-link walker (issue 11).
check_PROGRAMS += tests/test_improved_lines
tests_test_improved_lines_SOURCES = tests/test_improved_lines.c tests/tap.h tests/common.h
tests_test_improved_lines_LDADD = libymflow.la
TESTS += tests/test_improved_lines tests/mpi/improved-np2.mpi
EXTRA_DIST += tests/improved.mk
