"""An Airflow DAG file for one of TFX's own example pipeline files, after ``airflow tfx migrate``.

TFX's example files define ``_create_pipeline(...)`` and run it under ``__main__``; a TFX user's
Airflow DAG file calls that function and hands the pipeline to ``AirflowDagRunner``, as here.
Settings: ``dag_id``, ``pipeline_file`` (the migrated file), ``arguments`` (keyword arguments of
its ``_create_pipeline``).
"""

from __future__ import annotations

import datetime
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
_spec = importlib.util.spec_from_file_location(f"tfx_example_{_path.stem}", _path)
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

DAG = AirflowDagRunner(
    AirflowPipelineConfig(
        {"schedule": None, "start_date": datetime.datetime(2024, 1, 1), "dag_id": CONFIG["dag_id"]}
    )
).run(_module._create_pipeline(**CONFIG["arguments"]))
