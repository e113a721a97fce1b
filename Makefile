# The README's two commands, `make run` and `make test`, are the whole set-up on a fresh machine.
# Each step installs or builds only what is missing or stale, so a second run starts at once.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

DATA_DIR := $(CURDIR)/var
NPM_STAMP := node_modules/.package-lock.json
WORKSPACE_MANIFESTS := package.json firmware/package.json api/package.json ui/package.json scripts/package.json test/package.json
UI_SOURCES := $(shell find ui/src ui/index.html ui/vite.config.ts ui/public -type f 2>/dev/null)

.PHONY: help run test test-image build lint unit deps-run deps-test clean format

help:
	@echo "make run    install what is missing, build, and start Burrow in a household lab (prints the web page's URL)"
	@echo "make test   install what is missing, build, lint, and run every test suite"
	@echo "make bench  (root) tunnel throughput, RTT and cost against two wireguard-go versions; writes docs/performance.md"
	@echo "            quick run: make bench BENCH_ARGS=\"--rounds 1 --seconds 3\""
	@echo "make image  (root) build the disk images into out/: x86_64 and rpi-arm64 (docs/builders-guide.md)"
	@echo "make image-test  (root) build them, then boot each in QEMU and check it (x86_64: and a bare Debian for comparison)"

# --- installs ---------------------------------------------------------------
$(NPM_STAMP): package-lock.json $(WORKSPACE_MANIFESTS)
	scripts/install-deps.sh npm
	@touch $@

deps-run:
	@scripts/install-deps.sh node
	@scripts/install-deps.sh system run

deps-test:
	@scripts/install-deps.sh node
	@scripts/install-deps.sh system test

# --- build ------------------------------------------------------------------
# npm ci builds the native addons; this rebuilds them when their C sources change afterwards.
NATIVE_ADDONS := $(addprefix firmware/native/build/Release/,burrow_tun.node burrow_udp.node burrow_sock.node burrow_aead.node)
$(NATIVE_ADDONS) &: $(NPM_STAMP) $(wildcard firmware/native/*.c firmware/native/*.h) firmware/native/binding.gyp
	npm run --silent build:native -w @burrow/firmware
	@touch $(NATIVE_ADDONS)

ui/dist/index.html: $(NPM_STAMP) $(UI_SOURCES) api/openapi.json
	npm run --silent build -w ui

build: $(NPM_STAMP) $(NATIVE_ADDONS) ui/dist/index.html
	npx tsc -b

# --- checks -----------------------------------------------------------------
# Prettier never walks the image's trees (build/, out/): a root filesystem mid-build holds a mounted /proc.
lint: build
	npx eslint --max-warnings 0 .
	npx prettier --check --log-level warn . '!build/**' '!out/**'
	npm run --silent check -w ui
	scripts/check-api-contract.sh

test: deps-test lint
	npx ava
	@$(MAKE) --no-print-directory test-image

# The x86_64 image, built and booted in QEMU, after the other suites (emulation takes both cores): about 12 min
# on a 2-core machine, well inside CI's budget. It needs root (mmdebstrap, a network namespace).
test-image:
	@if [ "$$(id -u)" -ne 0 ]; then echo "image test skipped: it needs root (mmdebstrap, QEMU in a network namespace)"; \
	else $(MAKE) --no-print-directory image-test IMAGE_PROFILES=x86_64; fi

# --- the appliance ----------------------------------------------------------
run: deps-run build
	@mkdir -p -m 0700 $(DATA_DIR)
	@exec node scripts/dist/run.js

format: $(NPM_STAMP)
	npx prettier --write --log-level warn . '!build/**' '!out/**'
	npx eslint --fix .

clean:
	rm -rf firmware/dist api/dist scripts/dist test/dist ui/dist test-output

# --- benchmarks (root: network namespaces) -----------------------------------
# BENCH_ARGS go to the bench: --rounds N (3), --seconds N (5), --pings N (20), --no-docs (print only),
# --profile (ours ↔ ours and the reference only, burrow-wg under --cpu-prof: prints where its CPU went).
.PHONY: bench
bench: deps-test build
	node test/dist/netns/bench/tunnel-bench.js $(BENCH_ARGS)

# --- the image (root: mmdebstrap, QEMU) ---------------------------------------
.PHONY: image image-test deps-image
# Every board's image (image/profiles/); `make image IMAGE_PROFILES=x86_64` builds one.
IMAGE_PROFILES ?= x86_64 rpi-arm64

deps-image:
	@scripts/install-deps.sh node
	@scripts/install-deps.sh system image

image: deps-image build
	@for profile in $(IMAGE_PROFILES); do image/build.sh $$profile || exit 1; done

# Every profile is checked and booted even when an earlier one fails; make fails if any did.
image-test: image
	@status=0; for profile in $(IMAGE_PROFILES); do \
	  image/test/rootfs-check.sh build/$$profile/rootfs $$profile && image/test/boot-test.sh $$profile || status=1; \
	done; exit $$status
