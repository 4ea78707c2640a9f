#!/bin/sh
# Fresh Debian 12 machine, as root: install, bootstrap, build, and run the
# default job (an instanton on 16^4: action and charge), serial and on 2 ranks.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
./autogen.sh >/dev/null
mkdir -p _build && cd _build
[ -f Makefile ] || ../configure -q
make -j"$(nproc)" >/dev/null
echo "== ymflow instanton (1 rank)"
./ymflow instanton
echo "== mpirun -n 2 ymflow instanton"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -n 2 ./ymflow instanton
