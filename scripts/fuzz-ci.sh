#!/usr/bin/env bash
# Bounded fuzzing of every decoder of outside bytes (fuzz/fuzz_targets/*): each target runs for
# FUZZ_SECONDS (default 60) from the committed seeds in fuzz/seeds/<target>/ and fails on the first
# panic, failed check, leak of a timeout or out-of-memory. Installs cargo-fuzz if missing.
#
# Only the stable toolchain is available, so:
#  - RUSTC_BOOTSTRAP=1 lets stable rustc accept the few -Z flags cargo-fuzz passes;
#  - --sanitizer none: AddressSanitizer needs -Zsanitizer and a nightly std; the code under test is
#    safe Rust (unsafe_code is forbidden in the workspace), so libFuzzer's coverage guidance with
#    debug assertions and overflow checks is what matters here.
# New inputs found during the run go to a temporary corpus, never into the repository. A crash
# leaves its input in fuzz/artifacts/<target>/ and the script exits non-zero.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-ci: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

targets=$(cargo fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build all targets once, then run each.
cargo fuzz build --sanitizer none
for t in $targets; do
    mkdir -p "$work/$t"
    echo "fuzz-ci: $t for ${FUZZ_SECONDS}s"
    cargo fuzz run --sanitizer none "$t" "$work/$t" "seeds/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
echo "fuzz-ci: all targets ran ${FUZZ_SECONDS}s without a failure"
