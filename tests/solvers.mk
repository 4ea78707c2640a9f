# Tests of solvers/ (owned by the solvers work).
check_PROGRAMS += tests/test_action tests/test_flow
tests_test_action_SOURCES = tests/test_action.c tests/tap.h tests/common.h
tests_test_action_LDADD = libymflow.la
tests_test_flow_SOURCES = tests/test_flow.c tests/tap.h tests/common.h
tests_test_flow_LDADD = libymflow.la
TESTS += tests/test_action tests/test_flow \
	tests/mpi/action-np1.mpi tests/mpi/action-np2.mpi tests/mpi/action-np4-zt.mpi tests/mpi/action-np4-xt.mpi \
	tests/mpi/flow-np2.mpi tests/mpi/flow-np4.mpi
# The loop-force kernels against the generic path (solvers/ym_action_impl.h).
check_PROGRAMS += tests/test_loopforce
tests_test_loopforce_SOURCES = tests/test_loopforce.c tests/tap.h tests/common.h
tests_test_loopforce_LDADD = libymflow.la
TESTS += tests/test_loopforce
# The SU(2) quaternion Wilson force and RK3 update against the generic path.
check_PROGRAMS += tests/test_su2q
tests_test_su2q_SOURCES = tests/test_su2q.c tests/tap.h tests/common.h
tests_test_su2q_LDADD = libymflow.la
TESTS += tests/test_su2q
