#!/bin/sh
# Regenerates every file made from the vendored botocore model (schema/botocore/):
# the schema tables and the partition table. `regen.sh DIR` writes both into DIR
# instead, which is how e2e_test_generated checks that the committed ones are fresh.
set -eu
cd "$(dirname "$0")/.."
py=/usr/bin/python3
schema=schema/ecs_schema_data.c partitions=aws/partitions_gen.c
if [ $# -gt 0 ]; then
	schema=$1/ecs_schema_data.c partitions=$1/partitions_gen.c
fi
"$py" scripts/gen-schema.py "" "$schema" >/dev/null
"$py" scripts/gen-partitions.py >"$partitions"
