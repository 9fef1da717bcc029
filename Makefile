# cityops — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test lint bench install assets migrate seed serve clean

demo: install assets migrate seed serve  ## install, build, migrate, seed the demo town and serve it

test: install assets  ## the whole suite on SQLite, then on PostgreSQL when reachable (required under CI=true)
	scripts/test.sh

lint: install
	$(BIN)/ruff check cityops tests bench
	$(BIN)/ruff format --check cityops tests bench
	$(BIN)/lint-imports
	$(BIN)/cityops makemigrations --check --dry-run

bench: install  ## benchmarks, each printing its figures
	$(BIN)/python bench/locate.py
	$(BIN)/python bench/sta_limits.py
	$(BIN)/python bench/video_sweep.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: install node_modules/.installed
	npm run --silent build
	$(BIN)/cityops collectstatic --noinput -v0

migrate: install
	$(BIN)/cityops migrate --noinput

seed: install
	$(BIN)/cityops seed-demo

serve: install  ## the web server, the background worker and the demo's IoT side; Ctrl-C stops them all
	exec scripts/demo-serve.sh $(HOST) $(PORT)

clean:
	rm -rf $(VENV) node_modules cityops/static/vendor var/static
