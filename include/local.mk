# include/: the umbrella header, above every module (lattice <- io <- solvers <- cli).
AM_CPPFLAGS += -I$(top_srcdir)/include
ymflowinclude_HEADERS += include/ymflow.h
EXTRA_DIST += include/README.md
