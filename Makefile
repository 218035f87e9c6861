# nnplay: build, test, serve and benchmark. `make help` lists the targets.
# Every target installs what it needs first (scripts/setup.sh skips what is already there).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Stages of `make test` run one after another, in the order given, even under -j.
.NOTPARALLEL:

WASM := wasm32-unknown-unknown
# Tool paths, XDG_RUNTIME_DIR for Mesa, CHROMEDRIVER.
ENV := source scripts/env.sh &&
# A WebGPU test on a software adapter can take most of the runner's default 20 s on a busy machine.
BROWSER_TEST := $(ENV) WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_TIMEOUT=120 CHROMEDRIVER=/usr/bin/chromedriver
banner = @printf '\n==================== %s ====================\n' '$(1)'

.PHONY: help setup test fmt fmt-check clippy test-native test-wasm-node test-wasm-chromium \
	test-wasm-webgpu e2e build serve bench fixtures clean

help: ## list the targets
	@echo "make TARGET, where TARGET is one of:"
	@grep -hE '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-20s %s\n", $$1, $$2}'

# NNPLAY_SETUP_DONE lets `make test` run setup once for all its stages.
setup: ## install what is missing (apt, rustup, cargo install, npm tools/, cargo fetch)
	@if [ -z "$${NNPLAY_SETUP_DONE:-}" ]; then scripts/setup.sh; fi

test: ## setup, then fmt-check, clippy, native tests, wasm tests (node, Chromium without and with WebGPU), e2e
	$(call banner,setup)
	@$(MAKE) --no-print-directory setup
	@NNPLAY_SETUP_DONE=1 $(MAKE) --no-print-directory fmt-check clippy test-native test-wasm-node \
		test-wasm-chromium test-wasm-webgpu e2e
	$(call banner,all tests passed)

fmt: ## format the Rust code
	$(ENV) cargo fmt

fmt-check: setup ## check the Rust formatting
	$(call banner,cargo fmt --check)
	$(ENV) cargo fmt --check

clippy: setup ## clippy with -D warnings, for the host and for wasm32
	$(call banner,clippy (host))
	$(ENV) cargo clippy --all-targets -- -D warnings
	$(call banner,clippy ($(WASM)))
	$(ENV) cargo clippy --target $(WASM) --all-targets -- -D warnings

test-native: setup ## native tests (GPU tests run on Mesa lavapipe)
	$(call banner,native tests (cargo test))
	$(ENV) cargo test

test-wasm-node: setup ## wasm tests in node
	$(call banner,wasm tests in node)
	$(ENV) NNPLAY_EXPECT_BACKEND=cpu cargo test --target $(WASM)

test-wasm-chromium: setup ## wasm tests in headless Chromium without WebGPU (CPU path)
	$(call banner,wasm tests in headless Chromium without WebGPU)
	$(BROWSER_TEST) NNPLAY_EXPECT_BACKEND=cpu WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/webdriver-nogpu.json cargo test --target $(WASM)

test-wasm-webgpu: setup ## wasm tests in headless Chromium with WebGPU (SwiftShader adapter)
	$(call banner,wasm tests in headless Chromium with WebGPU)
	$(BROWSER_TEST) NNPLAY_EXPECT_BACKEND=webgpu WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/webdriver.json cargo test --target $(WASM)

e2e: build ## the page's end-to-end tests in headless Chromium (tests/e2e/run.mjs)
	$(call banner,page end-to-end tests)
	@if [ -f tests/e2e/run.mjs ]; then \
		$(ENV) node tests/e2e/run.mjs; \
	else \
		echo "e2e: tests/e2e/run.mjs not found, skipped"; \
	fi

build: setup ## release build of the page into dist/ (Trunk), then the JS package dist/pkg/
	$(call banner,trunk build --release)
	$(ENV) trunk build --release
	$(call banner,package dist/pkg/)
	scripts/package.sh dist/pkg

serve: setup ## serve the page on http://127.0.0.1:8080 with live rebuild
	@echo "nnplay: serving on http://127.0.0.1:8080"
	$(ENV) trunk serve --address 127.0.0.1 --port 8080

bench: setup ## benchmark: nnplay native and wasm against TF.js, then the page (BEFORE=dist-dir for a before column)
	@rm -f target/bench/*.jsonl
	@mkdir -p target/bench
	$(call banner,nnplay native)
	$(ENV) cargo run --release --bin nnplay-bench -- --json | tee target/bench/native.jsonl
	@if [ -f scripts/bench-wasm.sh ]; then \
		bash scripts/bench-wasm.sh; \
	else \
		echo "bench: scripts/bench-wasm.sh not found, wasm and TF.js skipped"; \
		node bench/table.mjs target/bench; \
	fi
	$(call banner,the page in headless Chromium)
	@NNPLAY_SETUP_DONE=1 $(MAKE) --no-print-directory build
	$(ENV) node bench/page.mjs $(if $(BEFORE),--before $(BEFORE))

fixtures: ## regenerate the Keras fixtures with real Keras (jax backend) in .venv-keras
	@if [ -x .venv-keras/bin/python ] && .venv-keras/bin/python -c 'import keras, jax' 2>/dev/null; then \
		echo "ok: .venv-keras with keras and jax (already there)"; \
	else \
		echo "installing keras and jax into .venv-keras"; \
		python3 -m venv .venv-keras; \
		.venv-keras/bin/pip install keras jax; \
	fi
	KERAS_BACKEND=jax .venv-keras/bin/python tests/fixtures/make_keras_fixtures.py
	KERAS_BACKEND=jax .venv-keras/bin/python tests/fixtures/make_tanh_fixture.py

clean: ## remove build outputs (target/, dist/, test-artifacts/)
	$(ENV) cargo clean
	rm -rf dist test-artifacts
