# Every target installs what it needs: uv and the project virtualenv, then the generated protobuf code.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
# Python keeps compiled modules (and pytest its assertion-rewritten tests) in __pycache__
# (git ignores them) even where the environment says not to: collecting the tests took 27 s
# without them, 13 s with, and every service start compiled our modules again.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
UV_VERSION := 0.13.9
PROTO_SOURCES := $(shell find protos -name '*.proto')
NPM_TOOLS := node_modules/.installed
VEGETA := .tools/bin/vegeta
VEGETA_VERSION := v12.13.0

.PHONY: all run test lint proto bench page-weight chaos loadtest infra-up infra-down consume clean

all: proto

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python python3.11
	touch $@

cinemapb/.generated: $(VENV)/.synced $(PROTO_SOURCES) tools/gen_protos.py
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) tools/gen_protos.py
	touch $@

proto: cinemapb/.generated

# What the tests use from npm (package.json): the official AsyncAPI JSON schemas.
$(NPM_TOOLS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

run: proto
	$(PY) -m deploy.run

# TEST_WORKERS pytest workers (pytest-xdist), each with a stack of its own (tests/conftest.py),
# a test file at a time; then the tests marked `exclusive`, which restart the shared
# infrastructure, alone. Exit status 5 is pytest finding none of its tests in PYTEST_ARGS.
TEST_WORKERS ?= 2
test: proto $(NPM_TOOLS)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not exclusive" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m exclusive $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: proto
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

# The HTTP load generator of the read and overload benchmarks (Go, from the module proxy).
$(VEGETA):
	GOBIN=$(CURDIR)/.tools/bin go install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)

bench: proto $(VEGETA)
	$(PY) -m bench

# Page weight and time to a rendered seat map in Chromium (bench/page_weight.py), on a stack
# of its own; PAGE_WEIGHT_ARGS adds options (--runs N, --url URL of a running gateway).
page-weight: proto
	$(PY) -m bench.page_weight $(PAGE_WEIGHT_ARGS)

# Faults under a mixed load on a stack and infrastructure of its own, then a check of the
# recorded history (bench/chaos); CHAOS_ARGS=--short for a quick version. Not part of `make test`.
chaos: proto
	$(PY) -m bench.chaos $(CHAOS_ARGS)

# The Locust journey (bench/locustfile.py) against a running `make run`; LOCUST_ARGS adds options.
LOADTEST_HOST ?= http://127.0.0.1:8000
loadtest: proto
	$(VENV)/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 -t 30s \
		--host $(LOADTEST_HOST) $(LOCUST_ARGS)

infra-up: proto
	$(PY) -m deploy.infra up

infra-down: proto
	$(PY) -m deploy.infra down

consume: proto
	$(PY) -m deploy.consume $(TOPIC)

clean:
	rm -rf cinemapb $(VENV) .tools node_modules
