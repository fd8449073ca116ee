"""What DAG parsing loads: the provider, every spec and operator, the factory, the compatibility
layer and the example DAG import no heavy ML library; the factory's plan imports no Airflow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("tensorflow", "tensorflow_data_validation", "tensorflow_transform", "tensorflow_model_analysis",
         "apache_beam", "ml_metadata", "tfx_bsl", "pyarrow", "keras", "tf_keras")  # fmt: skip
STEMS = ("example_gen", "statistics_gen", "schema_gen", "example_validator", "transform", "trainer", "tuner",
         "evaluator", "infra_validator", "pusher", "bulk_inferrer")  # fmt: skip

PROBE = """
import importlib, json, runpy, sys
import airflow_tfx_provider, airflow_tfx_provider.operators, airflow_tfx_provider.dag_factory
import airflow_tfx_provider.hooks.mlmd, airflow_tfx_provider.get_provider_info, airflow_tfx_provider.compat
for extra in ("dsl.components.base.base_component", "dsl.components.base.base_beam_executor",
              "types.artifact_utils", "utils.io_utils", "dsl.io.fileio",
              "dsl.component.experimental.decorators"):
    importlib.import_module("airflow_tfx_provider.compat." + extra)
from airflow_tfx_provider.dag_factory import create_pipeline_dag
for stem in sys.argv[3].split(","):
    importlib.import_module("airflow_tfx_provider.components." + stem)
runpy.run_path(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""


def _loaded_by(code: str, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("dag_file", ["taxi_pipeline.py", "taxi_retrain.py"])
def test_provider_specs_and_dag_file_load_no_heavy_module(dag_file):
    loaded = _loaded_by(PROBE, str(REPO / "dags" / dag_file), ",".join(HEAVY), ",".join(STEMS))
    assert loaded == [], f"heavy modules imported at DAG parse time: {loaded[:20]}"


def test_the_plan_loads_no_airflow():
    code = (
        "import json, sys; import airflow_tfx_provider.dag_factory.plan; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'airflow')))"
    )
    assert _loaded_by(code) == []


def test_the_plugin_loads_no_heavy_module_nor_its_web_app():
    """Every Airflow process that loads plugins imports it: the scheduler, the dag-processor, each
    task. Its pages' FastAPI app (and MLMD, TFDV's protos...) load in the api-server on first use.
    (What it costs in time is measured by ``bench.import_time``, not asserted here.)"""
    code = (
        "import json, sys; import airflow.plugins_manager; before = set(sys.modules); "
        "import airflow_tfx_provider.plugins as p; "
        "assert p.TfxPlugin.fastapi_apps[0]['url_prefix'] == '/tfx'; "
        f"heavy = {[*HEAVY, 'fastapi', 'airflow_tfx_provider.plugins.app']!r}; "
        "print(json.dumps(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in heavy "
        "or m in heavy)))"
    )
    assert _loaded_by(code) == []


def test_the_celery_settings_load_no_heavy_module_until_a_worker_imports_them():
    """The scheduler's CeleryExecutor imports ``celery_config_options`` to build its Celery app: the
    settings module must stay light; only a worker imports what ``imports`` names (the preload)."""
    code = (
        "import json, sys; from airflow_tfx_provider.celery_preload import CELERY_CONFIG, PRELOAD_MODULE; "
        "assert CELERY_CONFIG['imports'][-1] == PRELOAD_MODULE == 'airflow_tfx_provider.preload'; "
        f"heavy = {[*HEAVY, 'airflow_tfx_provider.preload']!r}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy)))"
    )
    assert _loaded_by(code) == []
