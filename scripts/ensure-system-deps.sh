#!/usr/bin/env bash
# Install the Debian/Ubuntu packages convmanim needs, if any are missing.
# Idempotent: when everything is there it only checks, in well under a second.
# When apt-get cannot be used it prints the exact command to run, and fails.
set -euo pipefail

packages=(
  libcairo2-dev libpango1.0-dev pkg-config            # pycairo and manimpango build
  texlive-latex-base texlive-latex-recommended       # LaTeX labels
  texlive-latex-extra texlive-fonts-recommended dvisvgm
)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  for tool in pkg-config latex dvisvgm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
fi
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
python3 - <<'PY' || missing+=(python3-dev)
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
PY
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)

[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "convmanim needs these system packages: ${missing[*]}" >&2
  echo "This is not a Debian/Ubuntu system: install their equivalents, then run make again." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
  sudo=(sudo)
else
  echo "convmanim needs system packages. Run this, then run make again:" >&2
  echo "  sudo sh -c '$command'" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
