# Ensembles of ymflow flow (cli/ensemble.c, cli/ens_table.c, cli/groups.c) and ym_stats_gamma_derived.
check_PROGRAMS += tests/test_ensemble
tests_test_ensemble_SOURCES = tests/test_ensemble.c tests/tap.h cli/ens_table.c cli/ens_table.h cli/cli_out.c cli/cli_out.h
tests_test_ensemble_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli
tests_test_ensemble_LDADD = libymflow.la
TESTS += tests/test_ensemble tests/flow_ensemble_cli.sh
EXTRA_DIST += tests/ensemble.mk tests/flow_ensemble_cli.sh
EXTRA_DIST += validation/ensemble_t0.sh
