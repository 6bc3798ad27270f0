#!/usr/bin/env bash
# Installs the Debian packages the product and its tests need, when they are missing.
# Called by `make setup` and by .ci/run. Needs root for apt-get; as another user it only says
# what is missing, so the failure that follows is not a mystery.
set -euo pipefail

packages=(
  fonts-arphic-uming  # body of the notices (for 仿宋_GB2312, docs/local-policy.md)
  fonts-arphic-gbsn00lp  # titles and the red header (for 小标宋)
  fonts-wqy-zenhei    # level-one headings (黑体)
  fonts-arphic-ukai   # level-two headings (楷体)
  poppler-utils       # pdftoppm: the document tests render every page to PNG
  chromium            # the desk's browser tests (Playwright drives Debian's Chromium)
)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
for extra in "$@"; do packages+=("$extra"); done

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-packages: missing Debian packages: ${missing[*]} (install them as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
