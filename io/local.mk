libymflow_la_SOURCES += io/ym_raw.c
ymflowinclude_HEADERS += io/ym_raw.h
EXTRA_DIST += io/README.md
