# Smoke test of the SU(2) vacuum example (examples/su2-vacuum/run.sh) on a tiny lattice.
TESTS += tests/su2_vacuum.sh
EXTRA_DIST += tests/su2vacuum.mk tests/su2_vacuum.sh examples/su2-vacuum/run.sh examples/su2-vacuum/README.md
