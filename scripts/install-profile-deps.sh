#!/usr/bin/env bash
# Installs what `make flamegraph` needs and a fresh Debian machine may lack: Debian's `linux-perf`
# (`perf record` samples a node under load) and the `flamegraph` tool (inferno, which draws the SVG;
# PyPI's prebuilt binary, pinned in scripts/profile-requirements.txt) into the local virtualenv
# .tools/venv beside the test tools. Does nothing that is already there. Never part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v perf >/dev/null 2>&1 || ./scripts/apt-install.sh linux-perf

./scripts/install-tools.sh
venv=.tools/venv
req=scripts/profile-requirements.txt
stamp="$venv/.profile-$(sha256sum "$req" | cut -c1-16)"
[ -f "$stamp" ] && exit 0
echo "installing the profile tools into $venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
touch "$stamp"
