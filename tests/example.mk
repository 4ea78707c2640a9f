# Examples built against the installed library (tests/example.sh installs
# into a temporary DESTDIR, builds each example with pkg-config and runs it).
TESTS += tests/example.sh
EXTRA_DIST += examples/README.md examples/custom-solver/README.md \
	examples/custom-solver/Makefile examples/custom-solver/custom_solver.c
