# Layouts, the Procrustes embedding, epochs, recording select/slice; serial and on 2 and 4 ranks (two grids).
check_PROGRAMS += tests/test_embed
tests_test_embed_SOURCES = tests/test_embed.c tests/tap.h tests/common.h
tests_test_embed_LDADD = libymflow.la
TESTS += tests/test_embed tests/mpi/embed-np2.mpi tests/mpi/embed-np4-xt.mpi tests/mpi/embed-np4-yz.mpi
EXTRA_DIST += tests/embed.mk
