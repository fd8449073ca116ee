"""Retention (``airflow tfx gc``) on a generated store of many runs, on real MLMD and real folders.

Eight daily runs: examples (span = day) -> schema, and a model trained on the examples,
evaluated (days 3 and 5 not blessed) and pushed with the real Pusher when blessed.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery
from airflow_tfx_provider.runtime.resolver import latest_blessed_model
from airflow_tfx_provider.runtime.retention import (
    RetentionPolicy,
    apply_retention,
    parse_duration,
    plan_retention,
)
from tests.harness.generated_store import PIPELINE, make_day, settings


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "root"
    days = {day: make_day(root, day) for day in range(1, 9)}
    return root, days


def _gateway(root: Path) -> MetadataGateway:
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))


def _state(gateway: MetadataGateway, artifact_id: int) -> tuple[str, bool]:
    stored = gateway.get_artifact(artifact_id)
    assert stored is not None
    return stored.state, os.path.exists(stored.ref.uri)


def test_gc_keeps_the_kept_models_lineage_and_recent_spans_and_deletes_the_rest(store):
    root, days = store
    serving_before = sorted(os.listdir(root.parent / "serving"))
    gateway = _gateway(root)
    plan = plan_retention(gateway, PIPELINE, RetentionPolicy(keep_spans=2, keep_models=2))
    deleted, freed = apply_retention(gateway, plan, "test")
    # kept: the last two pushed models (days 8 and 7: 8 serves) with their lineage and evaluation,
    # and everything made from the newest two spans (7 and 8)
    for day in (7, 8):
        for key in ("examples", "schema", "model", "blessing"):
            assert _state(gateway, days[day][key]) == ("LIVE", True), (day, key)
    # deleted: everything else of days 1-6, files gone
    for day in range(1, 7):
        for key in ("examples", "schema", "model", "blessing"):
            assert _state(gateway, days[day][key]) == ("DELETED", False), (day, key)
    assert sorted(deleted) == sorted(days[d][k] for d in range(1, 7) for k in days[d])
    assert freed == sum(d.bytes for d in plan.doomed) > 0
    # the push history and the serving directory are untouched
    pushes = gateway.raw.get_artifacts_by_type("PushedModel")
    assert len(pushes) == 6 and all(p.state == pb.Artifact.LIVE for p in pushes)
    assert sorted(os.listdir(root.parent / "serving")) == serving_before
    # the next run's baseline is still the serving model
    next_run = settings(root, "resolver", "day9")
    [baseline] = latest_blessed_model(gateway, next_run, ArtifactQuery("Model"), [], {})
    assert baseline.mlmd_id == days[8]["model"]
    assert plan.kept[days[8]["model"]].startswith("lineage of the serving model")


def test_more_models_kept_keeps_their_whole_lineage(store):
    root, days = store
    gateway = _gateway(root)
    apply_retention(
        gateway, plan_retention(gateway, PIPELINE, RetentionPolicy(keep_spans=1, keep_models=4)), "t"
    )
    for day in (4, 6, 7, 8):  # the last four pushed models: their examples and evaluations stay
        for key in ("examples", "model", "blessing"):
            assert _state(gateway, days[day][key]) == ("LIVE", True), (day, key)
    for day in (1, 2, 3, 5):
        assert _state(gateway, days[day]["model"]) == ("DELETED", False), day
    assert _state(gateway, days[6]["schema"]) == ("DELETED", False)  # not lineage of a model, span not recent


def test_a_dry_run_changes_nothing(store):
    root, days = store
    gateway = _gateway(root)
    plan = plan_retention(gateway, PIPELINE, RetentionPolicy(keep_spans=1, keep_models=1))
    assert plan.doomed and plan.bytes > 0
    for day in range(1, 9):
        for key in days[day]:
            assert _state(gateway, days[day][key]) == ("LIVE", True)


def test_an_execution_that_starts_after_planning_keeps_what_it_reads(store):
    root, days = store
    gateway = _gateway(root)
    plan = plan_retention(gateway, PIPELINE, RetentionPolicy(keep_spans=1, keep_models=1))
    old = gateway.get_artifact(days[2]["examples"])
    assert old is not None and days[2]["examples"] in {d.artifact_id for d in plan.doomed}
    contexts = gateway.run_contexts(PIPELINE, "day9", "statistics_gen")
    gateway.start_execution(
        "StatisticsGen", contexts, {"examples": [old.ref]}, {"component_id": "statistics_gen"}
    )
    deleted, _ = apply_retention(gateway, plan, "t")
    assert days[2]["examples"] not in deleted
    assert _state(gateway, days[2]["examples"]) == ("LIVE", True)
    assert _state(gateway, days[1]["examples"]) == ("DELETED", False)


def test_older_than_spares_what_is_recent(store):
    root, _ = store
    gateway = _gateway(root)
    policy = RetentionPolicy(keep_spans=1, keep_models=1, older_than=parse_duration("1h"))
    assert plan_retention(gateway, PIPELINE, policy).doomed == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert plan_retention(gateway, PIPELINE, policy, now=later).doomed


def test_policy_and_duration_errors():
    with pytest.raises(ValueError, match="keep at least one"):
        RetentionPolicy(keep_spans=0, keep_models=1)
    with pytest.raises(ValueError, match=r"e\.g\. 30d"):
        parse_duration("30 days")
    assert parse_duration("2w") == dt.timedelta(days=14)
