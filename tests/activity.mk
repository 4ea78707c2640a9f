# Activity readers (io/ym_activity.h): EDF/BDF, NPY, NWB, plain HDF5, BIDS sidecars.
check_PROGRAMS += tests/test_activity
tests_test_activity_SOURCES = tests/test_activity.c tests/tap.h tests/act_write.h
tests_test_activity_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_activity
EXTRA_DIST += tests/activity.mk
EXTRA_DIST += tests/fuzz/fuzz_activity.c tests/fuzz/gen_act_seeds.c tests/act_write.h
