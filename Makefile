# Two front doors (see README): `make report` and `make test`.
# Both run the idempotent setup first, so they work on a fresh Debian machine as root.
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= reports
JOBS   ?= 2
# The library's namespace and capability scenarios (limits.pid-namespace, ipc-namespace,
# caps-drop-add, caps-nonroot) reach the host: allowed here on purpose, flagged in the report.
ALLOW  ?= --allow-host-namespaces --allow-capabilities

.PHONY: setup setup-test report test lint types unit engines clean bench bench-quick

setup:
	bash scripts/setup.sh

setup-test:
	HARNESS_BROWSER=1 bash scripts/setup.sh

# Runs every scenario on every available engine and writes $(OUT)/.
# Exit 1 from `harness run` means "findings" (divergences); the report is still the product.
report: setup
	$(BIN)/harness run scenarios $(ALLOW) --out $(OUT) -j $(JOBS); rc=$$?; \
	  echo "report: $(OUT)/report.html (harness exit $$rc)"; [ $$rc -le 1 ]

# Pure logic and rendering (no engine) in parallel; everything that drives real engines
# in one process, so the engines' timing-sensitive scenarios are not starved.
PURE_TESTS   := tests/unit tests/report tests/architecture
ENGINE_TESTS := tests/engines tests/e2e tests/plugin tests/thirdparty tests/versions

test: setup-test
	$(BIN)/ruff check harness tests benchmarks scripts
	$(BIN)/ruff format --check harness
	$(BIN)/mypy
	$(BIN)/pytest -n 2 $(PURE_TESTS)
	$(BIN)/pytest $(ENGINE_TESTS)

lint:
	$(BIN)/ruff check harness tests benchmarks scripts
	$(BIN)/ruff format --check harness

types:
	$(BIN)/mypy

unit:
	$(BIN)/pytest tests/unit

clean:
	$(BIN)/harness clean

# Figures, not assertions: prints a table of timings and ratios (see benchmarks/RESULTS.md).
bench: setup
	$(BIN)/python -m benchmarks

bench-quick: setup
	$(BIN)/python -m benchmarks --quick
