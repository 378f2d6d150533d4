# The two commands of the README:
#   make dev   - build and start a single-node dev chain with its explorer (data in ./shulian-dev-data)
#   make test  - build everything and run every test, lint and format check
# Both first install missing system packages (libclang for rocksdb) via scripts/install-deps.sh.

CARGO ?= cargo

.PHONY: dev test deps build lint fmt

deps:
	@./scripts/install-deps.sh

# Always build the whole workspace with all targets: building a subset unifies dependency features
# differently and makes cargo rebuild RocksDB's C++ (20 minutes on 2 cores).
build: deps
	$(CARGO) build --workspace --all-targets

dev: build
	./target/debug/shulian-node dev

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: build lint
	$(CARGO) test --workspace

fmt:
	$(CARGO) fmt --all
