#!/bin/sh
# Install the Debian 12 packages ymflow builds and runs with (needs root).
# Skips apt entirely when everything is already present.
set -e
PKGS="build-essential autoconf automake libtool pkg-config openmpi-bin libopenmpi-dev \
libgsl-dev libfftw3-dev libfftw3-mpi-dev libhdf5-openmpi-dev zlib1g-dev libinih-dev \
libedf-dev libcairo2-dev help2man"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
