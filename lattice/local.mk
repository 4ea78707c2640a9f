libymflow_la_SOURCES += \
	lattice/ym_status.c lattice/ym_grid.c lattice/ym_geom.c lattice/ym_halo.c \
	lattice/ym_sum.c lattice/ym_field.c lattice/ym_rng.c lattice/ym_su.c \
	lattice/ym_gauge.c lattice/ym_curv.c lattice/ym_instanton.c lattice/ym_stats.c lattice/ym_bigmem.c lattice/ym_hot.h lattice/ym_su_inline.h
ymflowinclude_HEADERS += \
	lattice/ym_status.h lattice/ym_grid.h lattice/ym_geom.h \
	lattice/ym_halo.h lattice/ym_sum.h lattice/ym_field.h lattice/ym_rng.h \
	lattice/ym_su.h lattice/ym_gauge.h lattice/ym_curv.h lattice/ym_instanton.h lattice/ym_stats.h lattice/ym_bigmem.h
EXTRA_DIST += lattice/README.md
# Sign-coherent clusters of q(x) (issue 9).
libymflow_la_SOURCES += lattice/ym_cluster.c
ymflowinclude_HEADERS += lattice/ym_cluster.h
# Instanton finder (issue 9).
libymflow_la_SOURCES += lattice/ym_finder.c lattice/ym_finder_fit.c lattice/ym_finder_fit.h
ymflowinclude_HEADERS += lattice/ym_finder.h
libymflow_la_SOURCES += lattice/ym_metric.c lattice/ym_ricci.c lattice/ym_flux.c
ymflowinclude_HEADERS += lattice/ym_metric.h lattice/ym_ricci.h lattice/ym_flux.h
