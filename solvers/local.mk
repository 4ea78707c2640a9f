# solvers/: registries, actions, integrators, flows (owned by the solvers work).
AM_CPPFLAGS += -I$(top_srcdir)/solvers
libymflow_la_SOURCES += solvers/ym_registry.c solvers/ym_registry.h solvers/ym_action.c solvers/ym_action_extra.c solvers/ym_smooth_solvers.c solvers/ym_integrator.c solvers/ym_integrator_extra.c
ymflowinclude_HEADERS += solvers/ym_action.h solvers/ym_integrator.h
EXTRA_DIST += solvers/README.md
libymflow_la_SOURCES += solvers/ym_hybrid.c
ymflowinclude_HEADERS += solvers/ym_hybrid.h
