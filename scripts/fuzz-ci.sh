#!/usr/bin/env bash
# Bounded fuzzing of every decoder of outside bytes (fuzz/fuzz_targets/*): each target runs for
# FUZZ_SECONDS (default 10, the smoke run of `make test`; `make fuzz FUZZ_SECONDS=600` hunts) from the committed seeds in fuzz/seeds/<target>/ and fails on the first
# panic, failed check, leak of a timeout or out-of-memory. Installs cargo-fuzz (prebuilt) if missing.
#
# Only the stable toolchain is available, so:
#  - RUSTC_BOOTSTRAP=1 lets stable rustc accept the few -Z flags cargo-fuzz passes;
#  - --sanitizer none: AddressSanitizer needs -Zsanitizer and a nightly std; the code under test is
#    safe Rust (unsafe_code is forbidden in the workspace), so libFuzzer's coverage guidance with
#    debug assertions and overflow checks is what matters here.
# New inputs found during the run go to a temporary corpus, never into the repository. A crash
# leaves its input in fuzz/artifacts/<target>/ and the script exits non-zero.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# cargo-fuzz comes prebuilt from scripts/install-tools.sh (no minutes-long `cargo install`).
"$root/scripts/install-tools.sh"
export PATH="$root/.tools/venv/bin:$PATH"
cd "$root/fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
export RUSTC_BOOTSTRAP=1

targets=$(cargo fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# FUZZ_PROFILE=dev (the smoke run of `make test`) builds unoptimized: it compiles in about half the
# time, and 10 seconds of fuzzing need no speed. Any other value: release (the default), for hunts.
profile=()
if [ "${FUZZ_PROFILE:-release}" = dev ]; then
    profile=(--dev)
fi

# Build all targets once, then run each.
cargo fuzz build "${profile[@]}" --sanitizer none
for t in $targets; do
    mkdir -p "$work/$t"
    echo "fuzz-ci: $t for ${FUZZ_SECONDS}s"
    cargo fuzz run "${profile[@]}" --sanitizer none "$t" "$work/$t" "seeds/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
echo "fuzz-ci: all targets ran ${FUZZ_SECONDS}s without a failure"
