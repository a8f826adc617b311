# converge — the two set-up commands are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
TRACE      ?= ../shared/traces/CTC-SP2-1996-3.1-cln.swf.gz
DEMO_DIR   := $(BUILD)/demo
CMAKE_FLAGS ?=
# Line tables only (-g1): backtraces and gdb keep files and lines, and the build takes a third
# less time than with -g. DEBUG_INFO=-g for variables in gdb.
DEBUG_INFO ?= -g1

.PHONY: all deps configure build test test-slow run demo-jobs demo-sim bench fuzz fuzz-smoke asan-test clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 $(DEBUG_INFO) -DNDEBUG" \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 $(DEBUG_INFO) -DNDEBUG" $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD)

# Every test but those labelled slow (full-trace conservative runs): see `make test-slow`.
test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 900 -j2 -LE slow

test-slow: build
	cd $(BUILD) && ctest --output-on-failure --timeout 3600 -L slow

run: build
	@scripts/demo $(BUILD)

demo-jobs: build
	@scripts/demo-jobs $(BUILD)

demo-sim: build
	@scripts/demo-sim $(BUILD) $(TRACE) $(DEMO_DIR)

bench: build
	@scripts/bench $(BUILD)
	@bench/throughput $(BUILD)

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer. hwloc's PCI plugin
# (libhwloc-plugins, pulled in by openmpi for the ML example) leaks inside libpciaccess on every
# topology load; it is left out here so that LeakSanitizer reports only our own leaks. Leaks
# inside other libraries (libpmix) are suppressed by scripts/lsan-suppressions.txt.
asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCONVERGE_SANITIZE=ON \
	  -DCONVERGE_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && HWLOC_PLUGINS_BLACKLIST=hwloc_pci \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt \
	  ctest --output-on-failure -L unit \
	  --timeout 900

# Each libFuzzer target for FUZZ_SECONDS seconds, seeded from the repository's examples.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCONVERGE_FUZZ=ON -DCONVERGE_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) --target fuzz_targets
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=15

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
