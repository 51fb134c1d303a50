#!/bin/sh
# Builds ecsctl's OCI image offline from the Containerfile and writes it as an
# OCI archive: `image.sh BINARY OUT.tar [VERSION]`. BINARY is the portable
# ecsctl (build-portable/bin/ecsctl). buildah runs with its own storage in a
# temporary folder (vfs driver), so the machine's container storage and
# configuration are neither read nor changed. Load the archive with
# `podman load -i OUT.tar`.
set -eu
[ $# -ge 2 ] || { echo "usage: image.sh BINARY OUT.tar [VERSION]" >&2; exit 64; }
cd "$(dirname "$0")/.."
bin=$1
out=$(realpath -m "$2")
version=${3:-$("$bin" --version | cut -d' ' -f2)}
command -v buildah >/dev/null || { echo "image.sh: buildah is not installed (scripts/setup.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'buildah --root "$tmp/storage" --runroot "$tmp/run" --storage-driver vfs rmi -a -f >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT INT TERM

ctx=$tmp/context
mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp" "$ctx/home"
cp "$bin" "$ctx/rootfs/usr/bin/ecsctl"
strip "$ctx/rootfs/usr/bin/ecsctl"
chmod 0755 "$ctx/rootfs/usr/bin/ecsctl"
chmod 1777 "$ctx/rootfs/tmp"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
# the loader and the glibc libraries the binary names, at the paths it asks for
for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
	case $(basename "$lib") in
	ld-linux*.so.* | libc.so.* | libm.so.*) ;;
	*) echo "image.sh: $bin loads $lib: not a portable build" >&2; exit 1 ;;
	esac
	mkdir -p "$ctx/rootfs$(dirname "$lib")"
	cp -L "$lib" "$ctx/rootfs$lib"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\necsctl:x:10001:10001:ecsctl:/home/ecsctl:/sbin/nologin\n' \
	>"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\necsctl:x:10001:\n' >"$ctx/rootfs/etc/group"

b="buildah --root $tmp/storage --runroot $tmp/run --storage-driver vfs"
$b bud --quiet --layers=false --build-arg "VERSION=$version" -f Containerfile \
	-t "localhost/ecsctl:$version" "$ctx" >/dev/null
rm -f "$out"
$b push --quiet "localhost/ecsctl:$version" "oci-archive:$out:localhost/ecsctl:$version"
echo "image.sh: $out (localhost/ecsctl:$version)"
