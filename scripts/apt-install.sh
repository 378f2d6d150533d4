#!/usr/bin/env bash
# Installs the Debian packages named as arguments with apt-get, as root or through sudo; the one
# place the project's scripts install system packages. Usage: scripts/apt-install.sh PKG...
set -euo pipefail
[ $# -gt 0 ] || exit 0
echo "installing: $*" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: need root (or sudo) to install $*" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "$@" >/dev/null
