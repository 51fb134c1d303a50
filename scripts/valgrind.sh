#!/bin/sh
# Runs the tests once under valgrind memcheck on an already built tree
# ($1, default build/): every unit test binary, then the conformance and e2e
# suites with ecsctl and ecs-local started under valgrind (the harnesses put
# $ECSCTL_WRAPPER in front of the binaries they spawn). Any memory error or
# definite/indirect leak makes valgrind exit 99, which fails the test.
#
# Python suites: every conformance test, e2e validate and plan/apply (about
# 4 minutes on 2 cores). Left out, for CI time (30 minutes for all of
# .ci/run): the reliability tests (dozens of applies against a faulty
# server) and suites added later; the ASan + UBSan run covers them.
# ECSCTL_VALGRIND_TESTS (a ctest -R regex) picks other ones.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
command -v valgrind >/dev/null || { echo "valgrind: not installed, skipped"; exit 0; }
[ -x "$dir/bin/ecsctl" ] || { echo "valgrind: $dir/bin/ecsctl not built"; exit 1; }
vg="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect"
vg="$vg --error-exitcode=99 --num-callers=30"

# tests whose figures need native speed (rates, races against timers) skip
ECSCTL_UNDER_VALGRIND=1
export ECSCTL_UNDER_VALGRIND
failed=0
for t in "$dir"/bin/test_*; do
	[ -x "$t" ] || continue
	log=$(mktemp)
	start=$(date +%s)
	# unit tests read fixtures relative to the source root, as under ctest
	if $vg "$t" >"$log" 2>&1; then
		echo "valgrind: $(basename "$t") ok ($(($(date +%s) - start)) s)"
	else
		grep -vE '^\[ *(RUN|OK|PASSED|SKIPPED|=+) *\]' "$log" | tail -n 60
		echo "valgrind: $(basename "$t") FAILED"
		failed=1
	fi
	rm -f "$log"
done

ECSCTL_WRAPPER=$vg
export ECSCTL_WRAPPER
(cd "$dir" && ctest --output-on-failure -j"$(nproc)" -L 'conformance|e2e' \
	-R "${ECSCTL_VALGRIND_TESTS:-^conformance_|^e2e_test_validate|^e2e_test_plan_apply}" \
	-E 'reliability') || failed=1
[ "$failed" -eq 0 ] || { echo "valgrind: FAILED"; exit 1; }
echo "valgrind: zero errors, zero leaks"
