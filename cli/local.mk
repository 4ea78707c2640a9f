bin_PROGRAMS += ymflow
ymflow_SOURCES = cli/ymflow.c cli/cli.c cli/report.c cli/cmd_instanton.c cli/cmd_info.c cli/cmd_convert.c cli/cli.h cli/cli_out.c cli/cli_out.h
ymflow_LDADD = libymflow.la
EXTRA_DIST += cli/README.md
ymflow_SOURCES += cli/cmd_generate.c
