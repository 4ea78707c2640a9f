# solvers/: registries, actions, integrators, flows (owned by the solvers work).
AM_CPPFLAGS += -I$(top_srcdir)/solvers
libymflow_la_SOURCES += solvers/ym_registry.c solvers/ym_registry.h solvers/ym_action.c solvers/ym_action_impl.h solvers/ym_action_rect.h solvers/ym_action_extra.c solvers/ym_smooth_solvers.c solvers/ym_integrator.c solvers/ym_integrator_extra.c
ymflowinclude_HEADERS += solvers/ym_action.h solvers/ym_integrator.h
EXTRA_DIST += solvers/README.md
# Preprocessing of recordings (FIR bank, notches, analytic signals) and surrogates.
libymflow_la_SOURCES += solvers/ym_fir.c solvers/ym_fir_impl.h solvers/ym_preproc.c solvers/ym_surrogate.c
ymflowinclude_HEADERS += solvers/ym_preproc.h solvers/ym_surrogate.h
# Activity embedding: layouts and the Procrustes connection.
libymflow_la_SOURCES += solvers/ym_layout.c solvers/ym_embed.c solvers/ym_procrustes.c
ymflowinclude_HEADERS += solvers/ym_layout.h solvers/ym_embed.h
libymflow_la_SOURCES += solvers/ym_hybrid.c solvers/ym_hybrid_impl.h solvers/ym_rym.c
ymflowinclude_HEADERS += solvers/ym_hybrid.h solvers/ym_rym.h
