#!/usr/bin/env bash
# Installs what the operations tests need and a fresh Debian machine may lack: Debian's
# `prometheus` (the alerting test scrapes a 4-validator network with the shipped rules,
# network-tests/tests/it/prometheus_alerts.rs) and `systemd` (`systemd-analyze verify` checks the
# shipped unit, node/tests/packaging.rs). Does nothing that is already there. The Debian
# package's own service is never started: the tests run the binary on loopback themselves.
set -euo pipefail

missing=()
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || missing+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)

"$(dirname "$0")/apt-install.sh" "${missing[@]}"
