# stockpulse — the two commands:
#   make demo   set up what is missing, build, run the embedded pipeline with its dashboard
#   make test   set up what is missing, build, run every test
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_ARGS ?= --duration 120
CTEST_ARGS ?=

.PHONY: all setup configure build test test-fast test-slow demo bench format format-check clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DSTOCKPULSE_WERROR=ON >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@echo "built $(BUILD_DIR)/stockpulse"

# Every test, fast and slow (CI runs this).
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1500 $(CTEST_ARGS)

test-fast: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow $(CTEST_ARGS)

test-slow: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L slow $(CTEST_ARGS)

demo: build
	@$(BUILD_DIR)/stockpulse run $(DEMO_ARGS)

bench: build
	@bench/run_all.sh $(BUILD_DIR)

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

clean:
	@rm -rf $(BUILD_DIR)
