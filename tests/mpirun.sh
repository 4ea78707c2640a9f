#!/bin/sh
# Runs one MPI test case described by a .mpi file (shell assignments):
#   np=4; prog=tests/test_halo; args="--grid 1x1x2x2"
# under mpirun with a timeout, so a deadlock fails the test instead of hanging.
set -e
case_file=$1
np=1 prog= args=
. "$case_file"
: "${top_builddir:=.}"
: "${MPIRUN:=mpirun}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Quiet, loopback-only transport: CI containers have no usable network devices.
export OMPI_MCA_btl="self,vader" OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# shellcheck disable=SC2086
exec timeout "${YM_TEST_TIMEOUT:-900}" "$MPIRUN" --oversubscribe -n "$np" "$top_builddir/$prog" $args
