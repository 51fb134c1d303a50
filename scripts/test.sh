#!/bin/sh
# Sets up, builds and runs every test: the normal build, then the same tests
# under valgrind memcheck (unit, conformance and e2e tests but the reliability
# ones), under AddressSanitizer + UBSan, the threaded parts under
# ThreadSanitizer, then each fuzz target for a bounded time, then the release
# artifacts (.deb, portable binary, image) are built and tested.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
jobs=$(nproc)

sh scripts/build.sh build
(cd build && ctest --output-on-failure -j"$jobs")
sh scripts/valgrind.sh build

sh scripts/build.sh build-asan -DECSCTL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan &&
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j"$jobs")

sh scripts/tsan.sh

sh scripts/fuzz.sh "${ECSCTL_FUZZ_SECONDS:-20}"

sh scripts/package.sh
