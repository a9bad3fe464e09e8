#!/usr/bin/env bash
# Selects the BLAS/LAPACK behind Debian's libtorch, the same on every machine.
# libtorch links libblas.so.3 and liblapack.so.3, and update-alternatives decides which library
# those names resolve to: Netlib's reference BLAS when only libtorch-dev is installed, OpenBLAS as
# soon as some package (python3-torch, numpy, scipy) pulls it in. Different BLAS, different float
# bits and speed, so one install's losses differ from another's. We install the BLAS recorded in
# scripts/blas.json and pin both alternatives to it in manual mode, which later package installs
# do not change. Run as root (or with SUDO=sudo); install.sh and .ci/run call it.
set -euo pipefail
cd "$(dirname "$0")/.."

package=$(node -p 'require("./scripts/blas.json").package')
variant=$(node -p 'require("./scripts/blas.json").variant')
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
if [ -z "$multiarch" ]; then multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH); fi
SUDO=${SUDO:-}

if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
  echo "heimdall: installing $package (the BLAS the engine is pinned to)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package"
fi
for lib in libblas.so.3 liblapack.so.3; do
  target="/usr/lib/$multiarch/$variant/$lib"
  if [ ! -e "$target" ]; then
    echo "heimdall: $target is missing after installing $package (scripts/blas.json: variant '$variant')" >&2
    exit 1
  fi
  $SUDO update-alternatives --set "$lib-$multiarch" "$target"
done
echo "heimdall: BLAS pinned to $variant ($package) for $multiarch"
