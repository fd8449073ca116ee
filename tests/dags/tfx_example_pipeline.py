"""An Airflow DAG file for one of TFX's own example pipeline files, after ``airflow tfx migrate``.

TFX's example files define ``_create_pipeline(...)`` (penguin: ``create_pipeline``) and run it
under ``__main__``; a TFX user's Airflow DAG file calls that function and hands the pipeline to
``AirflowDagRunner``, as here.
Settings: ``dag_id``, ``pipeline_file`` (the migrated file), ``function`` (optional: the name of
the function that builds the pipeline, ``_create_pipeline`` by default; the penguin example's is
``create_pipeline``), ``arguments`` (its keyword arguments).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import sys
from pathlib import Path

from airflow_tfx_provider.compat.orchestration.airflow.airflow_dag_runner import (
    AirflowDagRunner,
    AirflowPipelineConfig,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)

_path = Path(CONFIG["pipeline_file"])
sys.path.insert(0, str(_path.parent))  # TFX's example files import their siblings
# Imported once per process, as ``import <pipeline file>`` would: Airflow parses this DAG file
# again in the same process (``dags test``), and TFX's files define absl flags at import.
_name = f"tfx_example_{_path.stem}_{hashlib.sha1(str(_path).encode()).hexdigest()[:8]}"
if _name not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_name, _path)
    assert _spec is not None and _spec.loader is not None
    sys.modules[_name] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_name])
_module = sys.modules[_name]

DAG = AirflowDagRunner(
    AirflowPipelineConfig(
        {"schedule": None, "start_date": datetime.datetime(2024, 1, 1), "dag_id": CONFIG["dag_id"]}
    )
).run(getattr(_module, CONFIG.get("function", "_create_pipeline"))(**CONFIG["arguments"]))
