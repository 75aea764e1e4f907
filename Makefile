# MantSim: every target installs what it needs on a fresh machine, then builds.
SHELL := /bin/bash
SWIFT ?= swift
SYSTEMC_HEADER := /usr/include/systemc.h

.PHONY: all deps build demo test golden bench clean

all: build

# libsystemc-dev from Debian is the only system package the build needs.
deps:
	@if [ ! -f $(SYSTEMC_HEADER) ]; then \
		echo "Installing libsystemc-dev (SystemC 2.3) ..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsystemc-dev; \
	fi

build: deps
	$(SWIFT) build -c release --product mantsim

# The main job on built-in defaults: every bundled array against INT8 on LLaMA-2-7B, prefill 2048
# tokens and decode 128, with a chart in out/.
demo: build
	@mkdir -p out
	$$($(SWIFT) build -c release --show-bin-path)/mantsim compare --plot out/compare-llama-2-7b.svg
	@echo "chart: out/compare-llama-2-7b.svg"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Re-records the golden files from the reference numerics; say in the commit why they moved.
golden: deps
	$(SWIFT) build --build-tests
	MANTSIM_RECORD_GOLDEN=1 $(SWIFT) test --skip-build --filter Golden

bench: deps
	$(SWIFT) build -c release --product mantsim-bench
	$$($(SWIFT) build -c release --show-bin-path)/mantsim-bench --markdown BENCHMARKS.md

clean:
	$(SWIFT) package clean
