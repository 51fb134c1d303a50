#!/bin/sh
# The quick start's main job: set up, build, start ecs-local on a free loopback
# port, apply the staging environment of examples/ (read from git objects) and
# show that the second plan is empty. Works on a fresh clone: `git clone ... && sh scripts/quickstart.sh`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh build
bin=$(pwd)/build/bin
tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# ecs-local prints "listening on http://127.0.0.1:PORT" first; port 0 = a free one
"$bin/ecs-local" --listen 127.0.0.1:0 --time-scale 50 --state "$tmp/state.json" \
	>"$tmp/ecs-local.out" 2>"$tmp/ecs-local.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
	url=$(sed -n 's/^listening on //p' "$tmp/ecs-local.out" 2>/dev/null | head -n 1)
	[ -n "$url" ] && break
	sleep 0.05
done
if [ -z "$url" ]; then
	echo "ecs-local did not start:" >&2
	cat "$tmp/ecs-local.err" >&2
	exit 1
fi
echo "== ecs-local listening on $url"

# any key works against ecs-local; never real credentials
export AWS_ACCESS_KEY_ID=ecs-local AWS_SECRET_ACCESS_KEY=ecs-local AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE 2>/dev/null || true

echo "== ecsctl apply --auto-approve --repo . --path examples --env staging"
"$bin/ecsctl" apply --auto-approve --repo . --path examples --env staging \
	--endpoint-url "$url" --poll-interval 250ms
echo "== ecsctl plan --repo . --path examples --env staging   (the second plan: nothing to do)"
"$bin/ecsctl" plan --detailed-exitcode --repo . --path examples --env staging \
	--endpoint-url "$url"
