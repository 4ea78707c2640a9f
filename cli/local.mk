bin_PROGRAMS += ymflow
ymflow_SOURCES = cli/ymflow.c cli/cli.c cli/report.c cli/cmd_instanton.c cli/cmd_info.c cli/cmd_convert.c cli/cli.h cli/cli_out.c cli/cli_out.h
ymflow_LDADD = libymflow.la
EXTRA_DIST += cli/README.md
# The activity commands (embed, clusters, pipeline) over one shared layer, and their plots.
ymflow_SOURCES += cli/activity.c cli/activity.h cli/analysis.c cli/analysis.h cli/cli_h5.c cli/cli_h5.h \
	cli/cmd_embed.c cli/cmd_clusters.c cli/cmd_pipeline.c cli/plot.c cli/plot.h
ymflow_CPPFLAGS = $(AM_CPPFLAGS) $(CAIRO_CFLAGS)
ymflow_LDADD += $(CAIRO_LIBS) $(HDF5_LIBS)
TESTS += tests/activity_cli.sh
EXTRA_DIST += tests/activity_cli.sh
ymflow_SOURCES += cli/cli_input.c cli/cli_input.h
ymflow_SOURCES += cli/cmd_generate.c
ymflow_SOURCES += cli/groups.c cli/groups.h cli/ens_table.c cli/ens_table.h cli/ensemble.c cli/ensemble.h
ymflow_LDADD += $(INIH_LIBS)
