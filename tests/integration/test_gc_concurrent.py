"""`airflow tfx gc` while a DAG run is in progress loses nothing that run still needs.

The run (a real ``airflow dags test`` process) stops after its Resolver chose the previous
span's statistics and before the ExampleValidator reads them; gc with ``--keep-spans 1`` runs
right then. The statistics are older than the newest span and nothing RUNNING uses them, so
only the "DAG run still in progress" rule keeps them: the run then completes, and a gc after
it deletes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag, run_dag, taxi_sample, utc

pytestmark = pytest.mark.integration
AIRFLOW = Path(sys.executable).with_name("airflow")


def _gc(store: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(AIRFLOW), "tfx", "gc", "gc_race", "--keep-spans", "1", "--keep-models", "1",
         "--metadata-path", str(store), "-o", "json"],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def _resolved_statistics(store: Path, earlier_runs: int) -> int | None:
    """What the previous_statistics Resolver of the run after ``earlier_runs`` chose, once it is done."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store))).raw
    resolvers = sorted(mlmd.get_executions_by_type("Resolver"), key=lambda e: e.id)
    if len(resolvers) <= earlier_runs or resolvers[earlier_runs].last_known_state != pb.Execution.COMPLETE:
        return None
    events = mlmd.get_events_by_execution_ids([resolvers[earlier_runs].id])
    outputs = [e.artifact_id for e in events if e.type == pb.Event.OUTPUT]
    assert outputs, "the Resolver of the third run chose nothing"
    return outputs[0]


def test_gc_during_a_run_keeps_what_its_resolver_chose(airflow_db, dags_folder, tmp_path):
    data = taxi_sample(tmp_path / "data", 301)
    store, release = tmp_path / "metadata.db", tmp_path / "release"
    path = install_dag(
        dags_folder, "gc_race_pipeline", "gc_race", data_root=str(data), pipeline_root=str(tmp_path / "root"),
        metadata_path=str(store), release=str(release),
    )  # fmt: skip
    release.touch()  # the first two days run straight through
    dag = load_dag(path, "gc_race")
    for day in (1, 2):
        assert set(run_dag(dag, utc(2024, 1, day)).values()) == {"success"}
    release.unlink()

    third = subprocess.Popen(
        [str(AIRFLOW), "dags", "test", "gc_race", "2024-01-03", "-f", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # the DAG file imports tests.dags._config
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        chosen = None
        while chosen is None:
            assert third.poll() is None, (third.stdout.read() if third.stdout else "")[-3000:]
            assert time.monotonic() < deadline, "the third run's Resolver never finished"
            time.sleep(1)
            chosen = _resolved_statistics(store, earlier_runs=2)
        during = _gc(store)
        release.touch()
        output, _ = third.communicate(timeout=300)
    finally:
        release.touch()
        if third.poll() is None:
            third.kill()
    assert third.returncode == 0 and "state=success" in output, output[-3000:]

    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store))).raw
    [span2_stats] = mlmd.get_artifacts_by_id([chosen])
    assert span2_stats.properties["span"].int_value == 19724  # 2024-01-02: the previous span
    assert chosen not in during["deleted"] and during["deleted"]  # the first span's artifacts went
    assert any("still in progress" in why for why in during["kept"]), during
    assert span2_stats.state == span2_stats.LIVE and os.path.isdir(span2_stats.uri)
    # the validator of the third run read them: drift was measured against span 2
    [validation] = [e for e in mlmd.get_executions_by_type("ExampleValidator") if e.id == max(
        x.id for x in mlmd.get_executions_by_type("ExampleValidator"))]  # fmt: skip
    inputs = {e.artifact_id for e in mlmd.get_events_by_execution_ids([validation.id]) if e.type == e.INPUT}
    assert chosen in inputs

    after = _gc(store)  # the run is over: span 2 is no longer the newest, nor protected
    assert chosen in after["deleted"]
    assert not os.path.exists(span2_stats.uri)
