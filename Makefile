# Two commands on a fresh machine: `make repro` then `make test`.
VENV   := .venv
PYTHON := $(VENV)/bin/python
DVC    := $(VENV)/bin/dvc
# Stage commands run `python -m stages.<name>`: put the project's interpreter first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export DVC_NO_ANALYTICS := 1
export MPLBACKEND := Agg

.PHONY: help install pull repro test lint bench bench-scale deps ceiling score review uplift adopt-effects band kernels trade clean

help:
	@echo "make install - create .venv (python3 must be 3.11) with the pinned requirements"
	@echo "make repro  - create .venv, pull the raw data and every output the remote has, rebuild the rest"
	@echo "make test   - run the test suite (pulls the raw data for the real-data tests)"
	@echo "make lint   - ruff over stages/, tests/ and scripts/"
	@echo "make bench  - time every stage of a full rebuild from a clean workspace, and a no-op rebuild"
	@echo "make bench-scale [N=130000] [WORKERS=\"1 2 4\"] [AGAIN=1] [BARE=1] - reading, validation and scoring of N synthetic customers: time, rate, memory; speed-up per worker count; each Dask step again on the same cluster; BARE: clusters not preloaded"
	@echo "make deps   - print each stage's code dependencies (its import closure), as dvc.yaml lists them"
	@echo "make score RAW=path/to/month [OUT=file.csv] - the month's action list (+ .html page) and drift check"
	@echo "make review CAMPAIGN=x.campaign.parquet OUTCOMES=path/to/later/month [OUT=reviews/<campaign>.json] - what it achieved"
	@echo "make uplift REVIEWS=\"reviews/a.json reviews/b.json\" [OUT=reviews/uplift.json] - an effect per customer, oldest first"
	@echo "make adopt-effects REVIEW=reviews/<campaign>.json | UPLIFT=reviews/uplift.json - into params.yaml"
	@echo "make ceiling - where ranking errors come from and how high ROC-AUC can go (after repro)"
	@echo "make band   - only the stage band and what it needs: the test figures as a band (dvc repro band)"
	@echo "make trade  - faster families vs the chosen: what they cost in ROC-AUC and Brier, how fast they score (after repro)"
	@echo "make kernels - rebuild in two clean clones, pinned vs native numerical kernels, and compare the bytes"

$(VENV)/.installed: requirements.txt
	@python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "python3 is $$(python3 --version 2>&1), the pins are for Python 3.11: put a 3.11 python3 first on PATH"; exit 2; }
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

pull: install
	$(DVC) pull --quiet data/raw.dvc

# Outputs the team remote already holds for this dvc.lock are pulled, not rebuilt; missing ones are
# simply rebuilt by `dvc repro` (--allow-missing turns them into warnings).
repro: pull
	$(DVC) pull --quiet --allow-missing
	$(DVC) repro

test: pull
	$(PYTHON) -m pytest

lint: install
	$(VENV)/bin/ruff check stages tests scripts
	$(VENV)/bin/ruff format --check stages tests scripts

bench: pull
	$(PYTHON) scripts/benchmark.py

bench-scale: pull
	$(PYTHON) scripts/bench_scale.py $(if $(N),--n $(N)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(AGAIN),--again) $(if $(BARE),--no-preload)

deps: install
	$(PYTHON) -m tests.import_closure

# A new month: the action list (Excel CSV) and the manager's page next to it (OUT with .html), drift verdict.
# RAW and OUT are read from the environment (make puts command-line variables there), quoted: a folder's
# name may hold spaces or anything else.
score: install
	@test -n "$$RAW" || { echo "usage: make score RAW=path/to/month [OUT=scores/<month>.csv] [REVIEW=file]"; exit 2; }
	@out="$${OUT:-scores/$$(basename -- "$$RAW").csv}"; mkdir -p -- "$$(dirname -- "$$out")" && \
	  $(PYTHON) -m stages.score --raw "$$RAW" --out "$$out" $${REVIEW:+--review "$$REVIEW"}

# Three months later: the campaign record against the shop's later export (CAMPAIGN, OUTCOMES, OUT quoted).
review: install
	@test -n "$$CAMPAIGN" -a -n "$$OUTCOMES" || \
	  { echo "usage: make review CAMPAIGN=x.campaign.parquet OUTCOMES=path/to/month [OUT=reviews/<x>.json]"; exit 2; }
	@out="$${OUT:-reviews/$$(basename -- "$$CAMPAIGN" .campaign.parquet).json}"; \
	  $(PYTHON) -m stages.review --campaign "$$CAMPAIGN" --outcomes "$$OUTCOMES" --out "$$out"

# Two or more reviewed campaigns, oldest first (REVIEWS is split on spaces: review files without spaces).
uplift: install
	@test -n "$$REVIEWS" || { echo "usage: make uplift REVIEWS=\"reviews/a.json reviews/b.json\" [OUT=...]"; exit 2; }
	@$(PYTHON) -m stages.uplift --reviews $$REVIEWS --out "$${OUT:-reviews/uplift.json}"

adopt-effects: install
	@test -n "$$REVIEW$$UPLIFT" || \
	  { echo "usage: make adopt-effects REVIEW=reviews/<campaign>.json (or UPLIFT=reviews/uplift.json)"; exit 2; }
	@if [ -n "$$UPLIFT" ]; then $(PYTHON) -m stages.adopt_effects --uplift "$$UPLIFT"; \
	  else $(PYTHON) -m stages.adopt_effects --review "$$REVIEW"; fi

ceiling: repro
	$(PYTHON) scripts/auc_ceiling.py

band: pull
	$(DVC) repro band

# Not a stage: the chosen model against faster families, same repeated CV, and their scoring throughput.
trade: repro
	$(PYTHON) scripts/family_trade.py

kernels: pull
	$(PYTHON) scripts/kernel_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
