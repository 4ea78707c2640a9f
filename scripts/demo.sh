#!/bin/sh
# Fresh Debian 12 machine, as root: install, bootstrap, build, and run the
# main job on its built-in default: `ymflow pipeline` on the shipped ECoG
# seizure recording (instanton clusters by electrode, band and second, with
# surrogate p-values, tables and PNG plots in pipeline-out/), then the same
# job under MPI with the surrogates spread over 2 groups of ranks.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
./autogen.sh >/dev/null
mkdir -p _build && cd _build
[ -f Makefile ] || ../configure -q
make -j"$(nproc)" >/dev/null
echo "== ymflow pipeline (1 rank): outputs in _build/pipeline-out/"
./ymflow pipeline -o pipeline-out --force
echo "== mpirun -n 2 ymflow pipeline --groups 2: outputs in _build/pipeline-out-np2/"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -n 2 ./ymflow pipeline --groups 2 -o pipeline-out-np2 --force
