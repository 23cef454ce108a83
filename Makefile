# Two front doors (see README): `make report` and `make test`.
# Both run the idempotent setup first, so they work on a fresh Debian machine as root.
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= reports
# Items in flight for `make report`. Most of an item's time is spent waiting on an
# engine (a daemon's own work, a container's sleep, a stop timeout), so 4 keeps 2 cores
# busier than 2: 35 scenarios x 3 surfaces took 407 s at -j 4 against 761 s at -j 2
# with the same item seconds and no new `error` (benchmarks/report_sets.py measures it).
JOBS   ?= 4
# The surfaces `make report` runs, one report column each: the host's engines, Podman's
# Docker-compatible API and the Debian trixie engines (version surfaces,
# scripts/versions.sh). Setup prepares only these. A quicker run names fewer:
#   make report SURFACES="docker podman podman-docker-api"
# and rootless Podman joins with SURFACES="... podman-rootless" (not by default: it adds
# about a fifth to the run's time and still has `error`s of its own; see README).
SURFACES ?= docker podman podman-docker-api docker@26.1 podman@5.4
# What `make report` runs: the whole library, or a part (SCENARIOS=scenarios/entrypoint).
SCENARIOS ?= scenarios
VERSION_SURFACES := $(strip $(foreach s,$(SURFACES),$(if $(findstring @,$(s)),$(s))))
ROOTLESS := $(if $(filter podman-rootless,$(SURFACES)),1,0)
# The library's namespace and capability scenarios (limits.pid-namespace, ipc-namespace,
# caps-drop-add, caps-nonroot) reach the host: allowed here on purpose, flagged in the report.
ALLOW  ?= --allow-host-namespaces --allow-capabilities

.PHONY: setup setup-test setup-report report test lint types unit engines clean bench bench-quick

setup:
	bash scripts/setup.sh

setup-test:
	HARNESS_BROWSER=1 bash scripts/setup.sh

# Setup for `make report`: the engines, the surfaces SURFACES names (nothing else is
# installed or started) and the package without its test tools.
setup-report:
	HARNESS_VERSIONS="$(VERSION_SURFACES)" HARNESS_ROOTLESS=$(ROOTLESS) HARNESS_EXTRAS= \
	  bash scripts/setup.sh

# Runs every scenario on every surface of SURFACES and writes $(OUT)/. The report is the
# product: exit 1 from `harness run` (findings) and exit 3 (a surface this host cannot
# offer is `unavailable` with its reason; `error` verdicts) still give exit 0 here, once
# a complete results.json was written; an interrupted or invalid run does not.
report: setup-report
	@rm -f $(OUT)/results.json
	$(BIN)/harness run $(SCENARIOS) $(ALLOW) $(addprefix --engine ,$(SURFACES)) --out $(OUT) \
	  -j $(JOBS); rc=$$?; echo "report: $(OUT)/report.html (harness exit $$rc)"; \
	  [ $$rc -le 1 ] || { [ $$rc -eq 3 ] && $(BIN)/python scripts/report_complete.py $(OUT)/results.json; }

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
