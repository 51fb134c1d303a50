#!/bin/sh
# Builds build-tsan/ with clang's ThreadSanitizer and runs the tests that
# exercise threads: every unit test (ecs-local's server and ticker in
# process, the client against threaded loopback servers), the conformance
# suite (ecs-local's libmicrohttpd thread pool, its ticker and persistence
# thread against concurrent boto3 clients) and the e2e watch suites (watch's
# HTTP listener thread beside the reconcile loop). About 3 minutes on 2
# cores; the other e2e suites drive the same threads as conformance does.
# ECSCTL_TSAN_TESTS (a ctest -R regex) picks other ones.
#
# Every process (tests, ecsctl, ecs-local) writes its reports to one folder:
# a report fails the run even when the test itself passed.
set -eu
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "tsan: clang not found, skipped"; exit 0; }
CC=clang sh scripts/build.sh build-tsan -DECSCTL_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
# an uninstrumented binary would pass without looking
nm build-tsan/bin/ecs-local | grep -q __tsan_init || { echo "tsan: not instrumented"; exit 1; }
logs=$(mktemp -d)
failed=0
TSAN_OPTIONS="log_path=$logs/report second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export TSAN_OPTIONS
(cd build-tsan && ctest --output-on-failure -j"$(nproc)" \
	-R "${ECSCTL_TSAN_TESTS:-^unit_|^conformance_|^e2e_test_watch}") || failed=1
for r in "$logs"/report.*; do
	[ -e "$r" ] || continue
	cat "$r"
	failed=1
done
rm -rf "$logs"
[ "$failed" -eq 0 ] || { echo "tsan: FAILED"; exit 1; }
echo "tsan: no data races"
