# Long validations outside make check (results in VALIDATION.md).
noinst_PROGRAMS += validation/rym_metric
validation_rym_metric_SOURCES = validation/rym_metric.c
validation_rym_metric_LDADD = libymflow.la
EXTRA_DIST += validation/README.md validation/local.mk
