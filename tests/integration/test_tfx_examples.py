"""TFX 1.21's own example pipelines, migrated with ``airflow tfx migrate`` and run here.

The test setup downloads the ``tfx==1.21.0`` wheel from PyPI without installing it (cached in
``build/``, which git ignores) and reads the example files from it; nothing of it is committed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc
from tests.harness.tfx_examples import TaxiExample, migrated_taxi_example

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def taxi_example(tmp_path_factory: pytest.TempPathFactory) -> TaxiExample:
    return migrated_taxi_example(tmp_path_factory.mktemp("home"))


def test_the_command_rewrites_only_import_lines(taxi_example):
    result = taxi_example.migrate
    assert result.returncode == 0, result.stdout + result.stderr
    for name, original in taxi_example.originals.items():
        new = (taxi_example.taxi / name).read_text().split("\n")
        old = original.split("\n")
        assert len(new) == len(old), name
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert changed, name
        assert all(a.lstrip().startswith(("import ", "from ")) for a, _ in changed), changed
        assert all("airflow_tfx_provider" in b for _, b in changed), changed
        assert "tfx." not in "\n".join(b for _, b in changed).replace("airflow_tfx_provider", "")


def _install(taxi_example, dags_folder, tmp_path, dag_id="tfx_taxi_example"):
    return install_dag(
        dags_folder, "tfx_example_pipeline", dag_id, **taxi_example.dag_settings(dag_id, tmp_path)
    )


def test_the_migrated_pipeline_parses_without_tensorflow(taxi_example, dags_folder, tmp_path):
    path = _install(taxi_example, dags_folder, tmp_path, "tfx_taxi_parse")
    probe = (
        "import json, runpy, sys; runpy.run_path(sys.argv[1]); print(json.dumps(sorted(m for m in "
        "sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_model_analysis', 'apache_beam', "
        "'ml_metadata'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "HOME": str(taxi_example.home)}, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    dag = load_dag(path, "tfx_taxi_parse")
    assert {
        "example_gen",
        "transform",
        "trainer",
        "latest_blessed_model_resolver",
        "evaluator",
        "pusher",
    } <= set(dag.task_ids)


@pytest.mark.slow
def test_the_migrated_taxi_example_runs_blessed_and_pushed(
    taxi_example, airflow_db, dags_folder, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(taxi_example.home))
    dag = load_dag(_install(taxi_example, dags_folder, tmp_path), "tfx_taxi_example")
    states = run_dag(dag, utc(2024, 1, 1))
    assert set(states.values()) == {"success"}, states
    assert [p for p in (tmp_path / "serving").iterdir() if p.name.isdigit()]
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    mlmd = MetadataGateway.connect(MetadataConfig(path=str(tmp_path / "metadata.db"))).raw
    [evaluation] = mlmd.get_artifacts_by_type("ModelEvaluation")
    accuracy = evaluation.custom_properties["metric/Overall/binary_accuracy"].double_value
    assert accuracy >= 0.78, accuracy
