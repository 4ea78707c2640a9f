# TAP tests. Serial programs run directly; .mpi files describe MPI runs
# (tests/mpirun.sh). Both speak TAP through automake's tap-driver.sh.
TEST_EXTENSIONS = .mpi .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
MPI_LOG_DRIVER = $(LOG_DRIVER)
MPI_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/mpirun.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
# Long physics checks skip themselves under the sanitizers (minutes there).
if SANITIZERS
YM_SANITIZED_FLAG = 1
else
YM_SANITIZED_FLAG = 0
endif
AM_TESTS_ENVIRONMENT = \
	YM_SANITIZED=$(YM_SANITIZED_FLAG); export YM_SANITIZED; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	MPIRUN='$(MPIRUN)'; export MPIRUN; \
	OMPI_ALLOW_RUN_AS_ROOT=1; export OMPI_ALLOW_RUN_AS_ROOT; \
	OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM; \
	OMPI_MCA_btl=self,vader; export OMPI_MCA_btl; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0:use_tls=0"; export LSAN_OPTIONS; \
	OMPI_MCA_mca_base_component_disable_dlclose=1; export OMPI_MCA_mca_base_component_disable_dlclose; \
	: $${YM_REFERENCE_DIR:=$(abs_top_srcdir)/../shared/reference}; export YM_REFERENCE_DIR;

TEST_LDADD = libymflow.la
check_PROGRAMS += tests/test_su tests/test_halo tests/test_consistency tests/test_gauge_inv \
	tests/test_start tests/test_bpst
tests_test_su_SOURCES = tests/test_su.c tests/tap.h
tests_test_su_LDADD = $(TEST_LDADD)
tests_test_halo_SOURCES = tests/test_halo.c tests/tap.h tests/common.h
tests_test_halo_LDADD = $(TEST_LDADD)
tests_test_consistency_SOURCES = tests/test_consistency.c tests/tap.h tests/common.h
tests_test_consistency_LDADD = $(TEST_LDADD)
tests_test_gauge_inv_SOURCES = tests/test_gauge_inv.c tests/tap.h tests/common.h
tests_test_gauge_inv_LDADD = $(TEST_LDADD)
tests_test_start_SOURCES = tests/test_start.c tests/tap.h tests/common.h
tests_test_start_LDADD = $(TEST_LDADD)
tests_test_bpst_SOURCES = tests/test_bpst.c tests/tap.h tests/common.h
tests_test_bpst_LDADD = $(TEST_LDADD)

TESTS += tests/test_su tests/test_gauge_inv tests/test_start tests/test_bpst \
	tests/cli.sh tests/singleton.sh \
	tests/mpi/halo-np1.mpi tests/mpi/halo-np2-x.mpi tests/mpi/halo-np2-t.mpi \
	tests/mpi/halo-np4-zt.mpi tests/mpi/halo-np4-xy.mpi tests/mpi/halo-np4-yt.mpi \
	tests/mpi/consistency-np1.mpi tests/mpi/consistency-np2-x.mpi tests/mpi/consistency-np2-t.mpi \
	tests/mpi/consistency-np4-zt.mpi tests/mpi/consistency-np4-xy.mpi tests/mpi/consistency-np4-t.mpi \
	tests/mpi/gauge-inv-np2.mpi tests/mpi/start-np2.mpi
EXTRA_DIST += tests/solvers.mk tests/formats.mk solvers/local.mk tests/mpirun.sh tests/lsan.supp tests/README.md $(filter %.mpi %.sh,$(TESTS))
EXTRA_DIST += tests/lib.sh
