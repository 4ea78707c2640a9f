# Smoothing and physics (improved charge, bs32, Zeuthen, cooling, smearing).
libymflow_la_SOURCES += lattice/ym_improved.c solvers/ym_zeuthen.c solvers/ym_bs32.c \
	solvers/ym_cool.c solvers/ym_smear.c
ymflowinclude_HEADERS += lattice/ym_improved.h solvers/ym_cool.h solvers/ym_smear.h
check_PROGRAMS += tests/test_smooth tests/test_physics
tests_test_smooth_SOURCES = tests/test_smooth.c tests/tap.h tests/common.h
tests_test_smooth_LDADD = libymflow.la
tests_test_physics_SOURCES = tests/test_physics.c tests/tap.h tests/common.h
tests_test_physics_LDADD = libymflow.la
TESTS += tests/test_smooth tests/test_physics tests/mpi/smooth-np2.mpi tests/mpi/smooth-np4.mpi
