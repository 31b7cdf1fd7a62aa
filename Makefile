# stockpulse — the two commands:
#   make demo   set up what is missing, build, run the embedded pipeline with its dashboard
#   make test   set up what is missing, build, run every test, then the sanitizer and fuzz runs
#               (test-asan, test-fuzz, test-tsan below; each can also run alone)
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_ARGS ?= --duration 120
CTEST_ARGS ?=
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
TSAN_DIR ?= build-tsan
FUZZ_SECONDS ?= 20

.PHONY: all setup configure build test test-main test-asan test-fuzz test-tsan fuzz test-fast test-slow \
	demo bench soak format format-check clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DSTOCKPULSE_WERROR=ON >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@echo "built $(BUILD_DIR)/stockpulse"

# Every test, fast and slow, then the sanitizer builds and the fuzzers (CI runs this).
test: test-main
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-fuzz
	@$(MAKE) --no-print-directory test-tsan

test-main: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1500 $(CTEST_ARGS)

# Sanitizer runs: a build folder of their own each, only the binaries of the tests labelled
# asan / tsan (stockpulse_test in CMakeLists.txt), -O1 with line tables. Reports of every process
# (tests and the stockpulse binaries they start) go to DIR/sanitizer-logs/; any report fails the
# run and is printed. The fuzzers have a clang build folder of their own (FUZZ_DIR).
SAN_REPORTS = if ls $(1)/sanitizer-logs/* >/dev/null 2>&1; then \
	  for f in $(1)/sanitizer-logs/*; do echo "== $$f"; head -n 80 "$$f"; done; \
	  echo "sanitizer reports above (in $(1)/sanitizer-logs/)"; exit 1; fi

$(ASAN_DIR)/build.ninja:
	@scripts/setup.sh
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DSTOCKPULSE_WERROR=ON \
	  -DSTOCKPULSE_SANITIZE=address,undefined >/dev/null

$(FUZZ_DIR)/build.ninja:
	@scripts/setup.sh
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DSTOCKPULSE_WERROR=ON \
	  -DSTOCKPULSE_FUZZ=ON >/dev/null

$(TSAN_DIR)/build.ninja:
	@scripts/setup.sh
	@cmake -S . -B $(TSAN_DIR) -G Ninja -DSTOCKPULSE_WERROR=ON -DSTOCKPULSE_SANITIZE=thread >/dev/null

test-asan: $(ASAN_DIR)/build.ninja
	@start=$$(date +%s); cmake --build $(ASAN_DIR) -j $(JOBS) --target asan_tests && \
	  echo "asan: built in $$(( $$(date +%s) - start )) s"
	@rm -rf $(ASAN_DIR)/sanitizer-logs && mkdir -p $(ASAN_DIR)/sanitizer-logs
	@start=$$(date +%s); cd $(ASAN_DIR) && \
	  ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$(CURDIR)/$(ASAN_DIR)/sanitizer-logs/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/$(ASAN_DIR)/sanitizer-logs/ubsan \
	  ctest --output-on-failure -j $(JOBS) --timeout 1500 -L '^asan$$' $(CTEST_ARGS); \
	  code=$$?; echo "asan: tests ran in $$(( $$(date +%s) - start )) s"; exit $$code
	@$(call SAN_REPORTS,$(ASAN_DIR))

# Every fuzzer for FUZZ_SECONDS each on its committed seeds (fuzz/corpus/); `make fuzz
# FUZZ_SECONDS=600` for longer runs.
test-fuzz: $(FUZZ_DIR)/build.ninja
	@start=$$(date +%s); cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzzers && \
	  echo "fuzz: built in $$(( $$(date +%s) - start )) s"
	@cd $(FUZZ_DIR) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest -V -j $(JOBS) -L '^fuzz$$' $(CTEST_ARGS) \
	  >fuzz-ctest.log 2>&1; code=$$?; \
	  if [ $$code -ne 0 ]; then cat fuzz-ctest.log; else grep -E '^[0-9]+: fuzz ' fuzz-ctest.log; fi; \
	  grep -E 'tests passed|tests failed' fuzz-ctest.log; exit $$code

fuzz:
	@$(MAKE) --no-print-directory test-fuzz FUZZ_SECONDS=$(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300)

test-tsan: $(TSAN_DIR)/build.ninja
	@start=$$(date +%s); cmake --build $(TSAN_DIR) -j $(JOBS) --target tsan_tests && \
	  echo "tsan: built in $$(( $$(date +%s) - start )) s"
	@rm -rf $(TSAN_DIR)/sanitizer-logs && mkdir -p $(TSAN_DIR)/sanitizer-logs
	@start=$$(date +%s); cd $(TSAN_DIR) && \
	  TSAN_OPTIONS=second_deadlock_stack=1:log_path=$(CURDIR)/$(TSAN_DIR)/sanitizer-logs/tsan \
	  ctest --output-on-failure -j $(JOBS) --timeout 1500 -L '^tsan$$' $(CTEST_ARGS); \
	  code=$$?; echo "tsan: tests ran in $$(( $$(date +%s) - start )) s"; exit $$code
	@$(call SAN_REPORTS,$(TSAN_DIR))

test-fast: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow $(CTEST_ARGS)

test-slow: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L slow $(CTEST_ARGS)

demo: build
	@$(BUILD_DIR)/stockpulse run $(DEMO_ARGS)

bench: build
	@bench/run_all.sh $(BUILD_DIR)

# 30 minutes of `run` under joining, stalling and leaving clients and attacks (SOAK_MINUTES=).
soak: build
	@bench/soak.sh $(BUILD_DIR)

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
