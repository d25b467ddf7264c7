#!/bin/sh
# Packs tools/gpu/dist/ for the GPU run (see tools/gpu/README.md). Arguments go to pack.mjs (--no-data).
set -e
cd "$(dirname "$0")/../.."
exec node tools/gpu/pack.mjs "$@"
