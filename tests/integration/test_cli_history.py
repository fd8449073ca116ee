"""``airflow tfx runs / artifacts / lineage`` against a real store after real runs.

The pipeline is ``tests/dags/custom_components_pipeline.py`` (fast: ExampleGen and three small
custom components), run once cold and once cached, with a SQLite MLMD file as TFX pipelines
name it (``--metadata-path``); the commands run as the real ``airflow`` CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.dag_runs import install_dag, load_dag, run_dag, taxi_sample, utc

pytestmark = pytest.mark.integration

AIRFLOW = Path(sys.executable).with_name("airflow")


@pytest.fixture(scope="module")
def store(airflow_db, dags_folder, tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("history")
    data = taxi_sample(workdir / "data", 301)
    path = install_dag(
        dags_folder, "custom_components_pipeline", "history_pipeline", data_root=str(data),
        pipeline_root=str(workdir / "root"), metadata_path=str(workdir / "metadata.db"), min_rows=1,
    )  # fmt: skip
    dag = load_dag(path, "history_pipeline")
    for _ in range(2):  # the second run of the same interval reuses everything
        states = run_dag(dag, utc(2024, 1, 1))
        assert set(states.values()) == {"success"}, states
    return workdir / "metadata.db"


def _tfx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AIRFLOW), "tfx", *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300
    )


def test_runs_shows_each_components_outcome(store):
    result = _tfx("runs", "history_pipeline", "--metadata-path", str(store), "-o", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = json.loads(result.stdout)
    assert first["outcome"] == second["outcome"] == "success"
    assert {c["component_id"]: c["outcome"] for c in first["components"]} == {
        "example_gen": "executed", "count_rows": "executed", "split_summary": "executed",
        "check_summary": "executed",
    }  # fmt: skip
    cached = {c["component_id"]: c for c in second["components"]}
    assert {c["outcome"] for c in cached.values()} == {"cached"}
    reused = {c["component_id"]: c["execution_id"] for c in first["components"]}
    assert cached["count_rows"]["detail"] == f"outputs of execution {reused['count_rows']}"

    table = _tfx("runs", "history_pipeline", "--metadata-path", str(store))
    assert table.returncode == 0, table.stderr[-2000:]
    assert "COMPONENT_ID" in table.stdout and "cached" in table.stdout and ": success" in table.stdout


def test_artifacts_lists_what_was_produced_with_size_and_filters(store):
    result = _tfx("artifacts", "history_pipeline", "--metadata-path", str(store), "-o", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)
    # the cached second run produced nothing new: one of each output
    assert sorted(r["type"] for r in rows) == sorted(
        ["Examples", "String", "Integer", "Float", "SplitSummaryReport", "String"]
    )
    examples = next(r for r in rows if r["type"] == "Examples")
    assert examples["state"] == "LIVE" and examples["producer"] == "example_gen" and examples["span"]
    on_disk = sum(p.stat().st_size for p in Path(examples["uri"]).rglob("*") if p.is_file())
    assert examples["bytes"] and abs(examples["bytes"] - on_disk) < 4096  # manifest: the data files

    only = _tfx(
        "artifacts", "history_pipeline", "--metadata-path", str(store), "--type", "Integer", "-o", "json"
    )
    assert [r["type"] for r in json.loads(only.stdout)] == ["Integer"]
    missing = _tfx("artifacts", "history_pipeline", "--metadata-path", str(store), "--run", "nope")
    assert missing.returncode != 0 and "has no run 'nope'" in missing.stderr


def test_lineage_up_and_down(store):
    rows = json.loads(
        _tfx("artifacts", "history_pipeline", "--metadata-path", str(store), "-o", "json").stdout
    )
    examples = next(r["id"] for r in rows if r["type"] == "Examples")
    verdict = max(r["id"] for r in rows if r["type"] == "String")  # check_summary's output
    up = _tfx("lineage", str(verdict), "--metadata-path", str(store), "-o", "json")
    assert up.returncode == 0, up.stderr[-2000:]
    tree = json.loads(up.stdout)
    [made_by] = tree["links"]
    assert made_by["execution"].startswith("check_summary")
    assert sorted(a["type"] for a in made_by["artifacts"]) == ["Integer", "SplitSummaryReport"]
    assert all(a["links"][0]["artifacts"][0]["artifact_id"] == examples for a in made_by["artifacts"])

    down = _tfx("lineage", str(examples), "--down", "--metadata-path", str(store))
    assert down.returncode == 0, down.stderr[-2000:]
    assert "\n  -> count_rows" in down.stdout and "\n  -> split_summary" in down.stdout
    lines = down.stdout.splitlines()
    under = lines[next(i for i, line in enumerate(lines) if line.startswith("  -> split_summary")) + 1]
    assert under.startswith("    SplitSummaryReport #")  # what split_summary made, one level down


def test_the_store_must_be_named_once_and_exist(store, tmp_path):
    both = _tfx("runs", "history_pipeline", "--metadata-path", str(store), "--pipeline-root", str(tmp_path))
    assert both.returncode != 0 and "not several" in both.stderr
    # none named: the pipeline's own default (mlmd_default, else <pipeline roots>/<dag_id>/metadata.sqlite)
    by_default = subprocess.run(
        [str(AIRFLOW), "tfx", "runs", "history_pipeline"], capture_output=True, text=True, timeout=300,
        env={**os.environ, "AIRFLOW_TFX_PIPELINE_ROOT_BASE": str(tmp_path / "roots")},
    )  # fmt: skip
    assert by_default.returncode != 0
    assert f"no MLMD store at {tmp_path / 'roots' / 'history_pipeline'}" in by_default.stderr
    (tmp_path / "roots" / "history_pipeline").mkdir(parents=True)
    shutil.copy(store, tmp_path / "roots" / "history_pipeline" / "metadata.sqlite")
    found = subprocess.run(
        [str(AIRFLOW), "tfx", "runs", "history_pipeline", "-o", "json"], capture_output=True, text=True,
        timeout=300, env={**os.environ, "AIRFLOW_TFX_PIPELINE_ROOT_BASE": str(tmp_path / "roots")},
    )  # fmt: skip
    assert found.returncode == 0, found.stderr[-2000:]
    assert len(json.loads(found.stdout)) == 2
    absent = _tfx("runs", "history_pipeline", "--metadata-path", str(tmp_path / "none.db"))
    assert absent.returncode != 0 and "no MLMD store at" in absent.stderr
    unknown = _tfx("runs", "no_such_pipeline", "--metadata-path", str(store))
    assert unknown.returncode != 0 and "no pipeline 'no_such_pipeline'" in unknown.stderr


def test_gc_from_the_command_line(airflow_db, dags_folder, tmp_path):
    """`airflow tfx gc`: a dry run changes nothing; then the older span's artifacts are deleted."""
    data = taxi_sample(tmp_path / "data", 301)
    path = install_dag(
        dags_folder, "custom_components_pipeline", "gc_pipeline", data_root=str(data),
        pipeline_root=str(tmp_path / "root"), metadata_path=str(tmp_path / "metadata.db"), min_rows=1,
    )  # fmt: skip
    dag = load_dag(path, "gc_pipeline")
    for day in (1, 2):  # two spans
        assert set(run_dag(dag, utc(2024, 1, day)).values()) == {"success"}
    store = ["--metadata-path", str(tmp_path / "metadata.db")]
    before = json.loads(_tfx("artifacts", "gc_pipeline", *store, "-o", "json").stdout)
    dry = _tfx(
        "gc", "gc_pipeline", "--keep-spans", "1", "--keep-models", "1", "--dry-run", *store, "-o", "json"
    )
    assert dry.returncode == 0, dry.stderr[-2000:]
    plan = json.loads(dry.stdout)
    first_span = min(r["span"] for r in before if r["span"])
    old = {r["id"] for r in before if r["run_id"] == before[0]["run_id"]}
    assert {d["artifact_id"] for d in plan["doomed"]} == old and plan["deleted"] == [] and plan["bytes"] > 0
    assert json.loads(_tfx("artifacts", "gc_pipeline", *store, "-o", "json").stdout) == before

    done = _tfx("gc", "gc_pipeline", "--keep-spans", "1", "--keep-models", "1", *store)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"deleted {len(old)} artifact(s), freed {plan['bytes']} bytes" in done.stdout
    after = {r["id"]: r for r in json.loads(_tfx("artifacts", "gc_pipeline", *store, "-o", "json").stdout)}
    for artifact_id in old:
        assert after[artifact_id]["state"] == "DELETED" and not Path(after[artifact_id]["uri"]).exists()
    assert all(r["state"] == "LIVE" for i, r in after.items() if i not in old)
    assert all(r["span"] != first_span for i, r in after.items() if i not in old and r["span"])


def test_a_pipeline_cleans_up_after_itself_with_the_retention_operator(airflow_db, dags_folder, tmp_path):
    data = taxi_sample(tmp_path / "data", 301)
    root = tmp_path / "root"
    path = install_dag(
        dags_folder, "retention_pipeline", "retention_pipeline", data_root=str(data), pipeline_root=str(root),
        keep_spans=1,
    )  # fmt: skip
    dag = load_dag(path, "retention_pipeline")
    for day in (1, 2):
        assert set(run_dag(dag, utc(2024, 1, day)).values()) == {"success"}
    rows = json.loads(
        _tfx("artifacts", "retention_pipeline", "--pipeline-root", str(root), "-o", "json").stdout
    )
    by_run: dict[str, set[str]] = {}
    for row in rows:
        by_run.setdefault(row["run_id"], set()).add(row["state"])
    first, second = sorted(by_run, key=lambda r: min(x["id"] for x in rows if x["run_id"] == r))
    assert by_run[first] == {"DELETED"} and by_run[second] == {"LIVE"}  # day 1 went when day 2 ran
    assert all(not Path(r["uri"]).exists() for r in rows if r["state"] == "DELETED")
