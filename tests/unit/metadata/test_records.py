"""PipelineRecords: a bulk read of a pipeline's MLMD records, refreshed with only what changed."""

from __future__ import annotations

from pathlib import Path

from airflow_tfx_provider.metadata import history
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.records import PipelineRecords
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.harness.generated_store import PIPELINE, make_day


def _view(records: PipelineRecords) -> tuple:
    return (
        sorted(records.executions),
        {a: (s.ref.type, s.state) for a, s in records.artifacts.items()},
        records.inputs,
        records.outputs,
        records.producers,
        [c.name for c in records.run_contexts],
    )


def test_a_refresh_sees_new_runs_and_deletions_like_a_fresh_load(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = make_day(root, 1)
    gateway = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))
    records = PipelineRecords.load(gateway, PIPELINE)
    assert [s.run_id for s in history.summarize_runs(records)] == ["day1"]
    assert records.refresh(gateway) is records  # nothing changed: nothing read again, nothing copied
    assert records.producer(first["model"]).custom_properties["component_id"].string_value == "trainer"

    second = make_day(root, 2)
    gateway.mark_deleted(first["examples"], "test")
    before = _view(records)
    records = records.refresh(gateway)
    assert _view(records) != before
    assert _view(records) == _view(PipelineRecords.load(gateway, PIPELINE))
    assert records.artifacts[first["examples"]].state == "DELETED"
    assert [s.run_id for s in history.summarize_runs(records)] == ["day1", "day2"]
    assert second["model"] in records.outputs[records.producers[second["model"]][0]]["model"]
