#!/usr/bin/env bash
# Builds the Debian bookworm base image for the product image when no registry can be reached
# (python:3.11-slim-bookworm cannot be pulled there). Cached: does nothing when the image exists,
# unless --force is given. Needs root (debootstrap, chroot) and a running Docker daemon.
#
#   docker/build-base-image.sh [--force] [IMAGE]     default IMAGE: exemption-base:bookworm
set -euo pipefail

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
image="${1:-${EXEMPTION_BASE_IMAGE:-exemption-base:bookworm}}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "build-base-image: $image already exists (use --force to rebuild)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-base-image: debootstrap needs root" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
fi

started=$(date +%s)
rootfs="$(mktemp -d /tmp/exemption-rootfs.XXXXXX)"
cleanup() {
  # A failed chroot step can leave these mounted; rm -rf must never descend into them.
  umount "$rootfs/proc" 2>/dev/null || true
  rm -rf --one-file-system "$rootfs"
}
trap cleanup EXIT

debootstrap --variant=minbase bookworm "$rootfs" "$mirror"

# Security updates too, so the base is not older than what python:3.11-slim-bookworm would give.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -euc '
  apt-get update
  apt-get install -y --no-install-recommends python3 python3-venv ca-certificates
  apt-get clean
  rm -rf /var/lib/apt/lists/*
'
umount "$rootfs/proc"
# The container gets its own resolv.conf from Docker; the host one must not be baked in.
: >"$rootfs/etc/resolv.conf"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/usr/bin/python3"]' \
  - "$image" >/dev/null

echo "build-base-image: built $image in $(( $(date +%s) - started ))s"
