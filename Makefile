# The two commands of the README:
#   make dev   - build and start a single-node dev chain with its explorer (data in ./shulian-dev-data)
#   make test  - build everything and run every test, lint and format check, and a bounded
#                run of every fuzz target
# Both first install missing system packages (libclang for rocksdb) via scripts/install-deps.sh;
# `make test` also installs the explorer's browser test tools (Debian's chromium, node, npm and the
# test's locked npm packages) via scripts/install-browser-test-deps.sh.

CARGO ?= cargo

.PHONY: dev test deps browser-deps build lint fmt fuzz

# Seconds each fuzz target runs in `make test` (scripts/fuzz-ci.sh); raise it for a longer hunt,
# e.g. `make fuzz FUZZ_SECONDS=600`.
FUZZ_SECONDS ?= 30

deps:
	@./scripts/install-deps.sh

# Always build the whole workspace with all targets: building a subset unifies dependency features
# differently and makes cargo rebuild RocksDB's C++ (20 minutes on 2 cores).
browser-deps:
	@./scripts/install-browser-test-deps.sh

build: deps
	$(CARGO) build --workspace --all-targets

dev: build
	./target/debug/shulian-node dev

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: build lint browser-deps
	node --test node/src/explorer/test/
	$(CARGO) test --workspace
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz-ci.sh

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz-ci.sh

fmt:
	$(CARGO) fmt --all
