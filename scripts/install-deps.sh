#!/usr/bin/env bash
# Installs what the build needs and a fresh Debian/Ubuntu machine may lack: libclang (bindgen for
# the rocksdb crate), a C++ compiler, and iproute2 (`ip`, `tc`: the fault tests run validators on
# separate hosts in network namespaces). Does nothing when they are already there.
set -euo pipefail

missing=()
if ! ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then
  missing+=(libclang-dev)
fi
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
{ command -v ip && command -v tc; } >/dev/null 2>&1 || missing+=(iproute2)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

"$(dirname "$0")/apt-install.sh" "${missing[@]}"
