#!/bin/sh
# Builds into build/ (or $1 with extra CMake arguments after it).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
cmake -S . -B "$dir" -DECSCTL_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
