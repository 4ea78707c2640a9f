# Solver interface, measurements and the ymflow flow / solvers commands
# (solvers/ym_solver.[ch], solvers/ym_measure.[ch], cli/cmd_flow.c, cli/cmd_solvers.c).
libymflow_la_SOURCES += solvers/ym_solver.c solvers/ym_measure.c
ymflowinclude_HEADERS += solvers/ym_solver.h solvers/ym_solver_impl.h solvers/ym_measure.h
ymflow_SOURCES += cli/cmd_flow.c cli/cmd_solvers.c
check_PROGRAMS += tests/test_solver
tests_test_solver_SOURCES = tests/test_solver.c tests/tap.h tests/common.h
tests_test_solver_LDADD = libymflow.la $(HDF5_LIBS)
TESTS += tests/test_solver tests/flow_cli.sh
