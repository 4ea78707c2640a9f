# External flow regression (tests/data/flow_regression.csv).
TESTS += tests/flow_regression.sh
EXTRA_DIST += tests/data/flow_regression.csv tests/data/make_flow_regression.sh tests/data/README.md
