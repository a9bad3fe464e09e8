#!/usr/bin/env bash
# Installs everything Heimdall needs on Debian/Ubuntu with Node.js >= 20:
#   system packages (libtorch-dev, libfftw3-dev, a C++ toolchain) if missing, the BLAS pinned in
#   scripts/blas.json (selected explicitly so every install computes the same bits), npm dependencies
#   (npm ci), the native addons (libtorch and FFTW, built by npm ci's install step) and the TypeScript build.
# Runs as root or through sudo. Set LIBTORCH=/path to use another libtorch instead of Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "heimdall: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "heimdall: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi

missing=()
if [ -z "${LIBTORCH:-}" ] && [ ! -f /usr/include/ATen/ATen.h ]; then missing+=(libtorch-dev); fi
[ -f /usr/include/fftw3.h ] || missing+=(libfftw3-dev) # FFTW: the feature kernels (native/dsp)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3) # node-gyp runs gyp with python3
/usr/bin/python3 -c 'import onnx' 2>/dev/null || missing+=(python3-onnx) # ONNX's checker validates exported models
if [ ${#missing[@]} -gt 0 ]; then
  echo "heimdall: installing system packages: ${missing[*]} (libtorch-dev is about 500 MB)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -z "${LIBTORCH:-}" ]; then
  # Debian's libtorch takes its BLAS from update-alternatives: pin it, or numerics vary by machine.
  SUDO=$SUDO bash scripts/select-blas.sh
fi

echo "heimdall: installing npm dependencies and building the native addons"
# onnxruntime-node's postinstall would otherwise consider downloading CUDA binaries; the CPU build
# ships in the package. (Its supported switch; the old .npmrc key is an unknown npm config to npm 11.)
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
echo "heimdall: compiling TypeScript"
npm run build:ts --silent
echo "heimdall: installed. Try ./heimdall --help"
