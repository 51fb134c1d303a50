#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for $1 seconds on its
# corpus under tests/fuzz/<name>/corpus. New inputs it finds go to a scratch
# folder, not the committed corpus; a crash fails the run.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-20}
command -v clang >/dev/null || { echo "fuzz: clang not found, skipped"; exit 0; }
CC=clang sh scripts/build.sh build-fuzz -DECSCTL_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
found=0
for src in tests/fuzz/*/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	dir=$(dirname "$src")
	scratch=$(mktemp -d)
	echo "fuzz: $name for ${secs}s"
	"build-fuzz/bin/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$scratch/" "$scratch" "$dir/corpus" 2>"$scratch/log" || {
		tail -n 40 "$scratch/log"
		echo "fuzz: $name FAILED (artifacts in $scratch)"
		exit 1
	}
	grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$scratch/log" | tail -n 1
	rm -rf "$scratch"
	found=$((found + 1))
done
echo "fuzz: $found target(s) passed"
