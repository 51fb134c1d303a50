#!/bin/sh
# Installs what ecsctl needs to build, test and run on Debian 12 (as root).
# `setup.sh --list` prints the package list only (for .ci/run).
# chromium: tests/e2e/test_watch_page.py loads watch's status page in a real
# headless browser (DOM, accessibility, a screenshot kept under build/).
# The second group is the portable build's (scripts/package.sh): the -dev
# packages whose static archives (.a) the libraries' own static links need,
# the CA certificates the image carries, buildah to build it offline, and
# podman + runc to run it; python3-yaml and curl for the CI templates' test
# (tests/e2e/test_ci_templates.py parses the workflows; their steps use curl).
set -eu
PKGS="build-essential cmake pkg-config git clang libclang-rt-14-dev
libcurl4-openssl-dev libyaml-dev libjansson-dev libgit2-dev libssl-dev
libcmocka-dev libmicrohttpd-dev
python3 python3-boto3 python3-botocore awscli python3-prometheus-client valgrind time
openssl cmark-gfm clang-format chromium
libnghttp2-dev libpsl-dev librtmp-dev libldap-dev libzstd-dev libunistring-dev libbrotli-dev
libssh2-1-dev libidn2-dev libgnutls28-dev nettle-dev libgmp-dev libtasn1-6-dev libmbedtls-dev
libhttp-parser-dev libpcre2-dev zlib1g-dev ca-certificates buildah podman runc
python3-yaml curl"
if [ "${1:-}" = "--list" ]; then
	echo $PKGS
	exit 0
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y $missing
fi
