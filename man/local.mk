# man/: man pages. ymflow(1) and ymflow-CMD(1) are generated from the --help
# text at build time by help2man (when configure found it; man/help2man.sh);
# libymflow(3) is written by hand. A new subcommand adds its page to
# YM_CMD_MANS and one rule below (copy the flow one).
dist_man3_MANS = man/libymflow.3
EXTRA_DIST += man/README.md man/ymflow.h2m man/help2man.sh
if HAVE_HELP2MAN
YM_CMD_MANS = man/ymflow-flow.1 man/ymflow-info.1 man/ymflow-convert.1 man/ymflow-instanton.1 man/ymflow-solvers.1 \
	man/ymflow-embed.1 man/ymflow-clusters.1 man/ymflow-pipeline.1 man/ymflow-generate.1
man1_MANS = man/ymflow.1 $(YM_CMD_MANS)
CLEANFILES = $(man1_MANS)
YM_H2M = $(SHELL) $(srcdir)/man/help2man.sh '$(HELP2MAN)' ./ymflow$(EXEEXT) $(srcdir)/man/ymflow.h2m
YM_H2M_DEPS = ymflow$(EXEEXT) $(srcdir)/man/ymflow.h2m $(srcdir)/man/help2man.sh
man/ymflow.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) - "lattice gauge-theory toolkit: gradient flows, configuration files, instantons" $@
man/ymflow-flow.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) flow "gradient flow of a gauge field with selectable measurements, t0 and w0" $@
man/ymflow-info.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) info "identify, verify and describe a gauge-configuration file" $@
man/ymflow-convert.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) convert "convert a gauge configuration between file formats" $@
man/ymflow-instanton.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) instanton "build a BPST instanton and print its action and charge" $@
man/ymflow-solvers.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) solvers "list the registered solvers, actions and integrators" $@
man/ymflow-embed.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) embed "a recording as an SU(K) connection: readers, layouts, FFTW preprocessing, Procrustes links" $@
man/ymflow-clusters.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) clusters "instantons and topological-charge clusters of configurations and ensembles" $@
man/ymflow-pipeline.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) pipeline "instanton clusters of a recording by electrode, band and second, with surrogate p-values" $@
man/ymflow-generate.1: $(YM_H2M_DEPS)
	@$(MKDIR_P) man
	$(AM_V_GEN)$(YM_H2M) generate "quenched SU(N) Monte Carlo: heatbath and overrelaxation, ILDG ensembles" $@
endif
