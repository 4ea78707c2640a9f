# Quenched Monte Carlo generation (solvers/ym_heatbath.[ch], io/ym_sitestate.[ch], cli/cmd_generate.c).
libymflow_la_SOURCES += solvers/ym_heatbath.c io/ym_sitestate.c
ymflowinclude_HEADERS += solvers/ym_heatbath.h io/ym_sitestate.h
check_PROGRAMS += tests/test_heatbath
tests_test_heatbath_SOURCES = tests/test_heatbath.c tests/tap.h tests/common.h
tests_test_heatbath_LDADD = libymflow.la
TESTS += tests/test_heatbath tests/generate_cli.sh tests/mpi/heatbath-np2.mpi tests/mpi/heatbath-np4.mpi tests/mpi/heatbath-np4-xy.mpi
EXTRA_DIST += tests/generate.mk validation/README.md validation/generate_plaquette.sh
TESTS += tests/validation_short.sh
EXTRA_DIST += tests/validation_short.sh VALIDATION.md
