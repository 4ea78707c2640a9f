# Run cards (io/ym_card.[ch]) and the reader fuzzers' CI smoke run.
check_PROGRAMS += tests/test_card
tests_test_card_SOURCES = tests/test_card.c tests/tap.h
tests_test_card_LDADD = libymflow.la
TESTS += tests/test_card tests/mpi/card-np2.mpi tests/fuzz/smoke.sh
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/build.sh tests/fuzz/fuzz_reader.c tests/fuzz/gen_seeds.c \
	tests/fuzz/corpus

# The fuzz smoke run builds its harnesses in the build tree.
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf _build-fuzz
.PHONY: clean-fuzz
