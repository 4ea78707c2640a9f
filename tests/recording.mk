# The recording object (io/ym_recording), serially and broadcast over 2 ranks.
check_PROGRAMS += tests/test_recording
tests_test_recording_SOURCES = tests/test_recording.c tests/tap.h
tests_test_recording_LDADD = libymflow.la
TESTS += tests/test_recording tests/mpi/recording-np2.mpi
EXTRA_DIST += tests/recording.mk
