# The two commands of the README:
#   make dev   - build and start a single-node dev chain with its explorer (data in ./shulian-dev-data)
#   make test  - build everything and run every test, lint and format check
# Both first install missing system packages (libclang for rocksdb) via scripts/install-deps.sh.

CARGO ?= cargo

.PHONY: dev test deps build lint fmt

deps:
	@./scripts/install-deps.sh

build: deps
	$(CARGO) build --workspace --bins

dev: build
	$(CARGO) run -p shulian-node --bin shulian-node -- dev

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: build lint
	$(CARGO) test --workspace

fmt:
	$(CARGO) fmt --all
