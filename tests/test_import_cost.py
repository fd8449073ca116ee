"""Importing the provider and the example DAG must not load heavy ML libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("tensorflow", "tensorflow_data_validation", "tensorflow_transform", "tensorflow_model_analysis",
         "apache_beam", "ml_metadata", "tfx_bsl", "pyarrow", "keras")  # fmt: skip

PROBE = """
import json, runpy, sys
import airflow_tfx_provider, airflow_tfx_provider.operators, airflow_tfx_provider.dag_factory
import airflow_tfx_provider.hooks.mlmd, airflow_tfx_provider.get_provider_info
runpy.run_path(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""


def test_provider_and_dag_file_load_no_heavy_module():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / "dags" / "taxi_pipeline.py"), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"heavy modules imported at DAG parse time: {loaded[:20]}"
