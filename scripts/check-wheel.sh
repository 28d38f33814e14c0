#!/usr/bin/env bash
# Build convmanim's wheel, install it into a fresh virtual environment (nothing
# from this checkout on its path) and render a still there, from an empty folder.
# Usage: scripts/check-wheel.sh [PYTHON]   (the project's .venv/bin/python by default)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/convmanim-wheel.XXXXXXXX")
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
    --wheel-dir "$work/dist" .
wheel=$(ls "$work"/dist/convmanim-*.whl)
echo "built $(basename "$wheel")"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

mkdir "$work/empty"
cd "$work/empty"
where=$("$work/venv/bin/python" -c 'import convmanim; print(convmanim.__file__)')
case "$where" in
    "$work/venv/"*) ;;
    *) echo "convmanim was imported from $where, not from the wheel" >&2; exit 1 ;;
esac
"$work/venv/bin/convmanim" arithmetic -i 5 -k 3 -s 2 -p 1 -e 4 -q l --output-dir out still
test -s out/still.png
"$work/venv/bin/python" - <<'PY'
from importlib import resources
from PIL import Image

assert Image.open("out/still.png").size == (854, 480)
assets = resources.files("convmanim") / "assets" / "revealjs"
assert (assets / "reveal.js").is_file() and (assets / "LICENSE").is_file()
PY
echo "the wheel installs into a fresh venv and renders: ok"
