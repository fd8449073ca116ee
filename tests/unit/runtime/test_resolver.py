"""The Resolver strategies on real MLMD (latest artifact, previous span, latest blessed model)."""

from __future__ import annotations

import dataclasses

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InputResolutionError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.resolver import resolve
from airflow_tfx_provider.runtime.settings import RunSettings
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec


def settings(root, component_id, run_id="run-1"):
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root), run_id=run_id, component_id=component_id
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )


def gateway(root):
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))


def test_latest_artifact_picks_newest_live_from_the_producer(tmp_path):
    old = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-1"), {}, {"span": 1}).outputs["examples"][0]
    new = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {"span": 2}).outputs["examples"][0]
    launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "run-2"), {"examples": [new.to_json()]}, {})
    resolved = resolve(
        settings(tmp_path, "latest", "run-3"), strategy="latest_artifact",
        queries={"examples": ArtifactQuery("Examples", "toy_gen"), "none": ArtifactQuery("Model")},
        current_inputs={},
    )  # fmt: skip
    assert [r.mlmd_id for r in resolved["examples"]] == [new.mlmd_id] != [old.mlmd_id]
    assert resolved["none"] == []
    mlmd = gateway(tmp_path).raw
    [execution] = mlmd.get_executions_by_type("Resolver")
    assert execution.last_known_state == pb.Execution.COMPLETE
    outputs = [
        e.artifact_id for e in mlmd.get_events_by_execution_ids([execution.id]) if e.type == pb.Event.OUTPUT
    ]
    assert outputs == [new.mlmd_id]


def test_previous_span_skips_current_and_later_spans(tmp_path):
    spans = {}
    for run, span in (("r1", 5), ("r2", 7), ("r3", 6)):
        spans[span] = launch(ToyGenSpec, settings(tmp_path, "toy_gen", run), {}, {"span": span}).outputs[
            "examples"
        ][0]
    resolved = resolve(
        settings(tmp_path, "previous", "r4"), strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")}, current_inputs={"examples": [spans[7]]},
    )  # fmt: skip
    assert [r.properties["span"] for r in resolved["examples"]] == [6]
    first = resolve(
        settings(tmp_path, "previous", "r5"), strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")}, current_inputs={"examples": [spans[5]]},
    )  # fmt: skip
    assert first["examples"] == []


def test_unknown_strategy_and_type_are_rejected(tmp_path):
    with pytest.raises(InputResolutionError, match="unknown resolver strategy 'newest'"):
        resolve(settings(tmp_path, "r"), strategy="newest", queries={}, current_inputs={})
    with pytest.raises(KeyError, match="unknown artifact type 'Modle'"):
        ArtifactQuery("Modle")


def test_latest_blessed_model_follows_positive_blessings(tmp_path):
    from tests.unit.runtime.toy_components import ToyBlessSpec as evaluator
    from tests.unit.runtime.toy_components import ToyModelSpec as trainer

    models = {}
    for run, tag, blessed in (("r1", "a", True), ("r2", "b", True), ("r3", "c", False)):
        models[tag] = launch(trainer, settings(tmp_path, "trainer", run), {}, {"tag": tag}).outputs["model"][
            0
        ]
        launch(
            evaluator,
            settings(tmp_path, "evaluator", run),
            {"model": [models[tag].to_json()]},
            {"blessed": blessed},
        )
    resolved = resolve(
        settings(tmp_path, "baseline", "r4"), strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model", "trainer")}, current_inputs={},
    )  # fmt: skip
    assert [r.mlmd_id for r in resolved["model"]] == [models["b"].mlmd_id]  # c is newer but NOT_BLESSED
    excluding_candidate = resolve(
        settings(tmp_path, "baseline", "r5"), strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model", "trainer")}, current_inputs={"model": [models["b"]]},
    )  # fmt: skip
    assert [r.mlmd_id for r in excluding_candidate["model"]] == [models["a"].mlmd_id]
    none = resolve(
        settings(tmp_path / "empty", "baseline", "r1"),
        strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model")},
        current_inputs={},
    )
    assert none["model"] == []


def test_previous_span_takes_the_largest_smaller_span_whatever_the_completion_order(tmp_path):
    """Regression: it took the most recently created smaller span (a parallel backfill finishing
    day 5 after day 8 made day 9 compare with day 5)."""
    made = {}
    for run, span in (("d8", 8), ("d5", 5), ("d10", 10)):  # day 5 finishes after day 8
        made[span] = launch(ToyGenSpec, settings(tmp_path, "toy_gen", run), {}, {"span": span}).outputs[
            "examples"
        ][0]
    current = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "d9"), {}, {"span": 9}).outputs["examples"][0]
    resolved = resolve(
        settings(tmp_path, "previous", "d9"),
        strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")},
        current_inputs={"examples": [current]},
    )
    assert [r.mlmd_id for r in resolved["examples"]] == [made[8].mlmd_id]


def test_previous_span_prefers_the_highest_version_of_that_span(tmp_path):
    from tests.unit.runtime.toy_components import ToyVersionedGenSpec

    newer_v1 = launch(ToyVersionedGenSpec, settings(tmp_path, "toy_gen", "a"), {}, {"span": 3, "version": 1})
    launch(ToyVersionedGenSpec, settings(tmp_path, "toy_gen", "b"), {}, {"span": 3, "version": 0})
    current = launch(ToyVersionedGenSpec, settings(tmp_path, "toy_gen", "c"), {}, {"span": 4, "version": 0})
    resolved = resolve(
        settings(tmp_path, "previous", "c"),
        strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")},
        current_inputs={"examples": current.outputs["examples"]},
    )
    assert [r.mlmd_id for r in resolved["examples"]] == [newer_v1.outputs["examples"][0].mlmd_id]


def _train_and_bless(root, run_id, tag, *, run_type, blessed=True, push=False):
    from tests.unit.runtime.toy_components import ToyBlessSpec, ToyModelSpec, ToyPushSpec

    def at(component):
        base = settings(root, component, run_id)
        return RunSettings(run=dataclasses.replace(base.run, run_type=run_type), metadata=base.metadata)

    model = launch(ToyModelSpec, at("trainer"), {}, {"tag": tag}).outputs["model"][0]
    launch(ToyBlessSpec, at("evaluator"), {"model": [model.to_json()]}, {"blessed": blessed})
    if push:
        launch(ToyPushSpec, at("pusher"), {"model": [model.to_json()]}, {})
    return model


def _baseline(root, run_id, candidate=None):
    return resolve(
        settings(root, "baseline", run_id),
        strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model", "trainer")},
        current_inputs={"model": [candidate]} if candidate else {},
    )["model"]


def test_a_backfill_model_never_becomes_the_baseline_of_a_scheduled_run(tmp_path):
    """Regression: a model blessed in a backfill (not pushed) became the next run's baseline."""
    serving = _train_and_bless(tmp_path, "s1", "a", run_type="scheduled", push=True)
    _train_and_bless(tmp_path, "b1", "old-data", run_type="backfill")  # blessed, not pushed
    candidate = _train_and_bless(tmp_path, "s2", "c", run_type="scheduled")
    assert [m.mlmd_id for m in _baseline(tmp_path, "s2", candidate)] == [serving.mlmd_id]


def test_without_a_push_the_newest_blessed_model_of_a_non_backfill_run_is_the_baseline(tmp_path):
    scheduled = _train_and_bless(tmp_path, "s1", "a", run_type="scheduled")
    _train_and_bless(tmp_path, "b1", "old-data", run_type="backfill")
    assert [m.mlmd_id for m in _baseline(tmp_path, "s2")] == [scheduled.mlmd_id]


def test_the_serving_model_comes_before_newer_blessed_ones(tmp_path):
    serving = _train_and_bless(tmp_path, "s1", "a", run_type="scheduled", push=True)
    _train_and_bless(tmp_path, "m1", "b", run_type="manual")  # blessed, but not pushed (yet)
    assert [m.mlmd_id for m in _baseline(tmp_path, "s2")] == [serving.mlmd_id]


def _spans(root, made):
    from tests.unit.runtime.toy_components import ToyVersionedGenSpec

    ids = {}
    for run, span, version in made:
        out = launch(
            ToyVersionedGenSpec, settings(root, "toy_gen", run), {}, {"span": span, "version": version}
        )
        ids[(span, version)] = out.outputs["examples"][0].mlmd_id
    return ids


def _span_range(root, range_config, run="resolve"):
    resolved = resolve(
        settings(root, "spans", run), strategy="span_range",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")}, current_inputs={},
        config={"range_config": range_config},
    )  # fmt: skip
    return [(int(r.properties["span"]), r.mlmd_id) for r in resolved["examples"]]


def test_span_range_static_takes_each_span_once_at_its_highest_version_in_span_order(tmp_path):
    ids = _spans(tmp_path, [("a", 4, 0), ("b", 2, 0), ("c", 3, 1), ("d", 3, 0), ("e", 5, 0), ("f", 1, 0)])
    static = {"static_range": {"start_span_number": 2, "end_span_number": 4}}
    assert _span_range(tmp_path, static) == [(2, ids[(2, 0)]), (3, ids[(3, 1)]), (4, ids[(4, 0)])]
    none = {"static_range": {"start_span_number": 8, "end_span_number": 9}}
    assert _span_range(tmp_path, none, run="r2") == []


def test_span_range_rolling_takes_the_newest_spans_after_skipping_and_above_a_floor(tmp_path):
    ids = _spans(tmp_path, [(f"r{s}", s, 0) for s in (5, 1, 4, 2, 3)])
    assert _span_range(tmp_path, {"rolling_range": {"num_spans": 2}}) == [(4, ids[(4, 0)]), (5, ids[(5, 0)])]
    skipped = {"rolling_range": {"num_spans": 2, "skip_num_recent_spans": 1}}
    assert _span_range(tmp_path, skipped, run="r2") == [(3, ids[(3, 0)]), (4, ids[(4, 0)])]
    floor = {"rolling_range": {"num_spans": 9, "start_span_number": 3}}
    assert [s for s, _ in _span_range(tmp_path, floor, run="r3")] == [3, 4, 5]


def test_span_range_without_a_range_config_fails(tmp_path):
    with pytest.raises(InputResolutionError, match="needs a range_config"):
        resolve(
            settings(tmp_path, "spans"), strategy="span_range",
            queries={"examples": ArtifactQuery("Examples")}, current_inputs={},
        )  # fmt: skip


def _other_pipeline(root, component_id, run_id):
    base = settings(root, component_id, run_id)
    return dataclasses.replace(base, run=dataclasses.replace(base.run, pipeline_name="other"))


@pytest.mark.parametrize("newest_first", [True, False], ids=["store-wide newest first", "whole context"])
def test_a_producer_is_the_node_that_output_the_artifact_not_one_that_read_it(tmp_path, newest_first):
    """MLMD attributes an execution's inputs to its node context as well: a consumer of Examples
    must not count as their producer, nor may another pipeline's artifacts of the type count."""
    made = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "r1"), {}, {"span": 1}).outputs["examples"][0]
    launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "r1"), {"examples": [made.to_json()]}, {})
    launch(ToyGenSpec, _other_pipeline(tmp_path, "toy_gen", "r1"), {}, {"span": 1, "text": "other"})
    store = gateway(tmp_path)
    # exclude_run_id reads the whole context instead of the newest of the store
    extra = {} if newest_first else {"exclude_run_id": "no-such-run"}
    by_reader = store.latest_artifacts(
        "Examples", pipeline_name="toy", producer_node_id="toy_schema", **extra
    )
    assert by_reader == []
    by_maker = store.latest_artifacts(
        "Examples", pipeline_name="toy", producer_node_id="toy_gen", limit=5, **extra
    )
    assert [r.mlmd_id for r in by_maker] == [made.mlmd_id]  # not the other pipeline's newer examples
    in_pipeline = store.latest_artifacts("Examples", pipeline_name="toy", limit=5, **extra)
    assert [r.mlmd_id for r in in_pipeline] == [made.mlmd_id]
    assert store.output_by(int(made.mlmd_id), "toy", "toy_gen")
    assert not store.output_by(int(made.mlmd_id), "toy", "toy_schema")
    assert not store.output_by(int(made.mlmd_id), "other", "toy_gen")
