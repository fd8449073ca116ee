# Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON_VERSION ?= 3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW_TFX_PIPELINE_ROOT_BASE := $(CURDIR)/.airflow/tfx_pipelines
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup demo demo-retrain serve test test-fast lint docs bench lock clean test-services

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

# The lock is compiled with the attrs override (MLMD declares attrs<24, Airflow 3 needs >=24.2);
# `uv pip sync` installs exactly the pinned set without re-resolving. --compile-bytecode writes
# the .pyc files at install time: uv does not by default, and with PYTHONDONTWRITEBYTECODE set
# (as on these machines) Python never writes them, so every process would compile TensorFlow's
# sources again (import tensorflow: 10.2 s without .pyc, 4.4 s with; see bench/RESULTS.md).
$(VENV)/.installed: requirements/lock.txt setup.cfg Makefile | $(UV)
	test -x $(PY) || $(UV) venv --python $(PYTHON_VERSION) $(VENV)
	$(UV) pip sync --python $(PY) --compile-bytecode requirements/lock.txt
	$(UV) pip install --python $(PY) --no-deps -e .
	touch $@

$(AIRFLOW_HOME)/airflow.db: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (tail -30 $(AIRFLOW_HOME)/migrate.log; exit 1)

setup: $(VENV)/.installed $(AIRFLOW_HOME)/airflow.db

DEMO_DATE ?= 2024-01-01

# Runs the taxi DAG once with `airflow dags test`, then prints what MLMD recorded. A second
# `make demo` reuses the cached outputs; `make clean` starts over.
demo: setup
	$(VENV)/bin/airflow dags test taxi_pipeline $(DEMO_DATE) > $(AIRFLOW_HOME)/demo.log 2>&1 \
		|| (tail -60 $(AIRFLOW_HOME)/demo.log; echo "demo failed; full log: $(AIRFLOW_HOME)/demo.log"; exit 1)
	@grep -oE "DagRun Finished: dag_id=[^,]+|, state=[a-z_]+" $(AIRFLOW_HOME)/demo.log | tr -d '\n' | sed 's/$$/\n/'
	@$(PY) -m airflow_tfx_provider.metadata.report --pipeline taxi_pipeline \
		--pipeline-root $(AIRFLOW_TFX_PIPELINE_ROOT_BASE)/taxi_pipeline
	@echo "Full log: $(AIRFLOW_HOME)/demo.log"

# Scheduled retraining over six months of real taxi trips (July to December 2015): for each month
# the ETL DAG lands the month's trips (its run on the 1st of the next month lands the month that
# ended), then the retraining pipeline runs on it. `airflow dags test` has no scheduler, so the
# pipeline reads the month of its run date; under a scheduler the ETL's asset event triggers it
# and names the month. Prints the model history and the last run; README "Retraining over time".
RETRAIN_MONTHS ?= 2015-07 2015-08 2015-09 2015-10 2015-11 2015-12
demo-retrain: setup
	@set -e; for month in $(RETRAIN_MONTHS); do \
		next=$$(date -u -d "$$month-01 +1 month" +%Y-%m-%d); \
		echo "== $$month: land the trips (taxi_trips_etl $$next), retrain (taxi_retrain $$month-01)"; \
		$(VENV)/bin/airflow dags test taxi_trips_etl $$next > $(AIRFLOW_HOME)/demo-retrain-etl-$$month.log 2>&1 \
			|| (tail -40 $(AIRFLOW_HOME)/demo-retrain-etl-$$month.log; exit 1); \
		$(VENV)/bin/airflow dags test taxi_retrain $$month-01 > $(AIRFLOW_HOME)/demo-retrain-$$month.log 2>&1 \
			|| (tail -60 $(AIRFLOW_HOME)/demo-retrain-$$month.log; exit 1); \
		grep -oE "DagRun Finished: dag_id=[^,]+|, state=[a-z_]+" $(AIRFLOW_HOME)/demo-retrain-$$month.log | tr -d '\n' | sed 's/$$/\n/'; \
	done
	@$(VENV)/bin/airflow tfx models taxi_retrain
	@$(VENV)/bin/airflow tfx runs taxi_retrain
	@echo "Logs: $(AIRFLOW_HOME)/demo-retrain-*.log"

# A local deployment (api-server, scheduler with the LocalExecutor, dag-processor, triggerer) with
# the settings bench/scheduler_pipeline.py found fastest: forkserver workers that preload
# TensorFlow & co., and a scheduler that re-checks dependencies every 0.1 s. UI on
# http://localhost:8080 (no login); unpause or trigger taxi_pipeline there. Ctrl-C stops it.
SERVE_SETTINGS := AIRFLOW__SCHEDULER__MP_START_METHOD=forkserver \
	AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD=airflow,airflow.executors.local_executor,airflow_tfx_provider.preload \
	AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=0.1 \
	AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True
serve: setup
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(SERVE_SETTINGS) $(VENV)/bin/airflow standalone

# The MLMD tests against MySQL/PostgreSQL and the Celery deployment test (Redis broker) start real
# servers on loopback (tests/harness/services.py); their Debian packages are installed here when
# missing (as root, like CI).
SERVER_PACKAGES := postgresql mariadb-server redis-server chromium
test-services:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1 \
		|| ! command -v redis-server >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then \
		echo "installing $(SERVER_PACKAGES) (Debian packages) for the server tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SERVER_PACKAGES) >/dev/null; \
	fi

# Two workers (pytest-xdist), a test file per worker at a time: most integration tests wait on
# servers and subprocesses, so the two cores stay busy; each worker has its own Airflow home.
test: setup lint test-services
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# The inner loop: unit tests (executors on tiny real data, specs, operators, the factory's plan,
# the layer rules) and the import checks; no database servers, no whole-DAG runs, no scheduler,
# and not the few unit tests that run the taxi module end to end (marked slow; make test runs them).
test-fast: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 -m "not slow" tests/unit tests/test_import_cost.py

# Operator docstrings and the README's component tables, generated from the component specs.
docs: $(VENV)/.installed
	$(PY) tools/component_docs.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy airflow_tfx_provider tools bench dags/taxi_pipeline.py dags/taxi_retrain.py tests/dags
	$(PY) tools/component_docs.py --check

bench: setup
	$(PY) -m bench.run_all

lock: | $(UV)
	$(UV) pip compile --quiet --python-version $(PYTHON_VERSION) --override requirements/overrides.txt \
		requirements/base.in requirements/dev.in -o requirements/lock.txt

clean:
	rm -rf $(AIRFLOW_HOME) demo_output
