#!/usr/bin/env bash
# Builds the wheels the product image installs (the project and all its runtime dependencies)
# into ./wheels, on the host, where PyPI is reachable: the image build then needs no index.
# The FEEL bundle is built by `make setup` (npm + esbuild) and travels inside the project wheel.
#
#   docker/build-wheels.sh [PYTHON]      default PYTHON: .venv/bin/python, else python3
set -euo pipefail
cd "$(dirname "$0")/.."

python="${1:-}"
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
if [ ! -s engine/feel/feelin.bundle.js ]; then
  echo "build-wheels: engine/feel/feelin.bundle.js is missing: run 'make setup' first" >&2
  exit 1
fi
if [ -f desk/__init__.py ] && [ ! -s desk/static/dist/desk.js ]; then
  # Not fatal: the desk still serves its API proxy, but its pages would lack their script.
  echo "build-wheels: warning: desk/static/dist/desk.js is missing (build the desk's front-end first)" >&2
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$version" != "3.11" ]; then
  # The images run bookworm's Python 3.11; binary wheels for another Python would not install.
  echo "build-wheels: $python is Python $version; the image needs wheels for Python 3.11" >&2
  exit 1
fi

mkdir -p wheels
# The project's own wheel is rebuilt every time (same version number, new content); the
# dependencies come from pip's cache after the first run.
rm -f wheels/youxian_exemption-*.whl
rm -rf build/lib build/bdist.*
# A fixed timestamp makes the wheel byte-identical while the sources are, so Docker reuses its
# cached layers instead of reinstalling everything after every wheel build.
SOURCE_DATE_EPOCH=315532800 "$python" -m pip wheel --quiet --wheel-dir wheels .
"$python" - <<'PY'
import pathlib
import sys
import zipfile

wheels = sorted(pathlib.Path("wheels").glob("youxian_exemption-*.whl"))
if not wheels:
    sys.exit("build-wheels: the project wheel was not built")
names = zipfile.ZipFile(wheels[-1]).namelist()
if "engine/feel/feelin.bundle.js" not in names:
    sys.exit(f"build-wheels: {wheels[-1]} lacks engine/feel/feelin.bundle.js")
PY
# pip builds in the tree; its leftovers would only be stale copies of the sources.
rm -rf build/lib build/bdist.*
echo "build-wheels: $(ls wheels | wc -l) wheel(s) in wheels/"
