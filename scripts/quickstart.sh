#!/bin/sh
# The quick start's main job: set up, build, then run ecsctl on examples/.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh build
bin=build/bin
echo "== ecsctl validate --path examples"
"$bin/ecsctl" validate --repo . --path examples
echo "== ecsctl render --path examples"
"$bin/ecsctl" render --repo . --path examples
