"""TFX 1.21's own example pipelines, migrated with ``airflow tfx migrate`` and run here.

The test setup downloads the ``tfx==1.21.0`` wheel from PyPI without installing it (cached in
``build/``, which git ignores) and reads the example files from it; nothing of it is committed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc
from tests.harness.tfx_examples import (
    HelloExample,
    PenguinExample,
    TaxiExample,
    migrated_hello_example,
    migrated_penguin_example,
    migrated_taxi_example,
)

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


PARSE_PROBE = (
    "import json, runpy, sys; runpy.run_path(sys.argv[1]); print(json.dumps(sorted(m for m in "
    "sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_model_analysis', 'apache_beam', "
    "'ml_metadata'))))"
)


def _heavy_modules_at_parse(path, home):
    result = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(path)], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "HOME": str(home)}, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_migrated_pipeline_parses_without_tensorflow(taxi_example, dags_folder, tmp_path):
    path = _install(taxi_example, dags_folder, tmp_path, "tfx_taxi_parse")
    assert _heavy_modules_at_parse(path, taxi_example.home) == []
    dag = load_dag(path, "tfx_taxi_parse")
    assert {
        "example_gen",
        "transform",
        "trainer",
        "latest_blessed_model_resolver",
        "evaluator",
        "pusher",
    } <= set(dag.task_ids)


def test_the_migrated_penguin_pipeline_parses_without_tensorflow(penguin_example, dags_folder, tmp_path):
    settings = penguin_example.dag_settings("tfx_penguin_parse", tmp_path)
    path = install_dag(dags_folder, "tfx_example_pipeline", "tfx_penguin_parse", **settings)
    assert _heavy_modules_at_parse(path, penguin_example.home) == []


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


@pytest.fixture(scope="module")
def hello_example(tmp_path_factory: pytest.TempPathFactory) -> HelloExample:
    return migrated_hello_example(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def penguin_example(tmp_path_factory: pytest.TempPathFactory) -> PenguinExample:
    return migrated_penguin_example(tmp_path_factory.mktemp("home"))


@pytest.mark.parametrize("example", ["hello_example", "penguin_example"])
def test_the_command_migrates_the_custom_component_examples(example, request):
    migrated = request.getfixturevalue(example)
    assert migrated.migrate.returncode == 0, migrated.migrate.stdout + migrated.migrate.stderr
    for name, original in migrated.originals.items():
        old, new = original.split("\n"), (migrated.folder / name).read_text().split("\n")
        assert len(old) == len(new), name
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert changed and all(a.lstrip().startswith(("import ", "from ")) for a, _ in changed), changed


def test_tfx_hello_world_custom_component_runs_with_lineage_and_cache(
    hello_example, airflow_db, dags_folder, tmp_path
):
    """TFX's own class-based custom component (its ComponentSpec, BaseComponent and executor
    class with ``Do``, unchanged but for imports) between CsvExampleGen and StatisticsGen."""
    path = install_dag(
        dags_folder, "tfx_example_pipeline", "tfx_hello", **hello_example.dag_settings("tfx_hello", tmp_path)
    )
    dag = load_dag(path, "tfx_hello")
    assert set(dag.task_ids) == {"CsvExampleGen", "HelloComponent", "StatisticsGen"} or set(dag.task_ids) == {
        "example_gen",
        "HelloComponent",
        "statistics_gen",
    }
    states = run_dag(dag, utc(2024, 1, 1))
    assert set(states.values()) == {"success"}, states
    from ml_metadata.proto import metadata_store_pb2 as pb

    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    mlmd = MetadataGateway.connect(MetadataConfig(path=str(tmp_path / "metadata.db"))).raw
    examples = mlmd.get_artifacts_by_type("Examples")
    assert len(examples) == 2  # ExampleGen's and the HelloComponent's copy
    source, copy = sorted(examples, key=lambda a: a.id)
    assert copy.properties["split_names"].string_value == source.properties["split_names"].string_value
    for split in ("train", "eval"):
        originals = sorted(p.name for p in (Path(source.uri) / f"Split-{split}").iterdir())
        assert (
            originals and sorted(p.name for p in (Path(copy.uri) / f"Split-{split}").iterdir()) == originals
        )
    [statistics] = mlmd.get_artifacts_by_type("ExampleStatistics")
    [producer] = [e for e in mlmd.get_events_by_artifact_ids([statistics.id]) if e.type == pb.Event.OUTPUT]
    consumed = [
        e.artifact_id
        for e in mlmd.get_events_by_execution_ids([producer.execution_id])
        if e.type == pb.Event.INPUT
    ]
    assert consumed == [copy.id]  # StatisticsGen read the custom component's output

    again = run_dag(dag, utc(2024, 1, 1))
    assert set(again.values()) == {"success"}, again
    assert sum(e.last_known_state == pb.Execution.CACHED for e in mlmd.get_executions()) == 3


@pytest.mark.slow
def test_the_migrated_penguin_example_tunes_blesses_and_pushes(
    penguin_example, airflow_db, dags_folder, tmp_path, monkeypatch
):
    """TFX's penguin pipeline as its ``__main__`` runs it (Keras, Tuner, transform cache,
    BulkInferrer on unlabelled data, Pusher under ``tfx.dsl.Cond``), on generated data."""
    monkeypatch.setenv("HOME", str(penguin_example.home))
    settings = penguin_example.dag_settings("tfx_penguin", tmp_path)
    dag = load_dag(install_dag(dags_folder, "tfx_example_pipeline", "tfx_penguin", **settings), "tfx_penguin")
    states = run_dag(dag, utc(2024, 1, 1))
    assert set(states.values()) == {"success"}, states
    assert [p for p in (tmp_path / "serving").iterdir() if p.name.isdigit()]
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    mlmd = MetadataGateway.connect(MetadataConfig(path=str(tmp_path / "metadata.db"))).raw
    [hyperparameters] = mlmd.get_artifacts_by_type("HyperParameters")
    best = json.loads((Path(hyperparameters.uri) / "best_hyperparameters.txt").read_text())
    assert {"learning_rate", "num_layers"} <= set(best["values"])
    [evaluation] = mlmd.get_artifacts_by_type("ModelEvaluation")
    accuracy = evaluation.custom_properties["metric/Overall/sparse_categorical_accuracy"].double_value
    assert accuracy >= 0.6, accuracy
    [inference] = mlmd.get_artifacts_by_type("InferenceResult")
    assert list(Path(inference.uri).iterdir())
