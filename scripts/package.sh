#!/bin/sh
# Builds and tests the three release artifacts, into dist/ (docs/install.md):
#   ecsctl_VERSION_amd64.deb          CPack, from the normal build in build/
#   ecsctl-VERSION-linux-x86_64       the portable binary (build-portable/,
#                                     -DECSCTL_PORTABLE=ON: glibc only), stripped
#   ecsctl-VERSION-image.tar          the OCI image FROM scratch (scripts/image.sh)
# The .deb's test is in the normal ctest (tests/e2e/test_install.py); the
# portable binary's and the image's run here (tests/portable/, ctest -L portable).
set -eu
cd "$(dirname "$0")/.."
dist=$(pwd)/dist
[ -x build/bin/ecsctl ] || sh scripts/build.sh build
version=$(build/bin/ecsctl --version | cut -d' ' -f2)
rm -rf "$dist"
mkdir -p "$dist"

(cd build && cpack -G DEB -B "$dist/cpack" >/dev/null)
mv "$dist"/cpack/*.deb "$dist/"
rm -rf "$dist/cpack"

sh scripts/build.sh build-portable -DECSCTL_PORTABLE=ON
(cd build-portable && ctest --output-on-failure -L portable)
strip -o "$dist/ecsctl-$version-linux-x86_64" build-portable/bin/ecsctl

sh scripts/image.sh build-portable/bin/ecsctl "$dist/ecsctl-$version-image.tar" "$version"
ls -l "$dist"
