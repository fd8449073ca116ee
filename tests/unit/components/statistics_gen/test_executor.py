"""StatisticsGen executor on real TFDV/Beam (DirectRunner)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec, validate_parameters
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef


def _features(stats) -> dict[str, Any]:
    (dataset,) = stats.datasets
    return {".".join(f.path.step): f for f in dataset.features}


def test_statistics_per_split(examples, run_component, tmp_path, caplog):
    import tensorflow_data_validation as tfdv

    caplog.set_level("INFO", logger="airflow_tfx_provider")
    out = run_component(StatisticsGenSpec, tmp_path, {"examples": examples})["statistics"]

    assert out.split_names == ["train", "eval"]
    assert out.properties["span"] == 3
    for split, n in (("train", 40), ("eval", 20)):
        path = os.path.join(out.uri, f"Split-{split}", "FeatureStats.pb")
        assert os.path.isfile(path)
        stats = tfdv.load_stats_binary(path)  # TFX's reader of this file
        assert stats.datasets[0].num_examples == n
        assert set(_features(stats)) == {"trips", "fare", "company"}
    assert sorted(os.listdir(os.path.join(out.uri, "Split-train"))) == ["FeatureStats.pb"]
    assert "reading 1 file(s)" in caplog.text and "wrote statistics" in caplog.text

    # the same numbers as TFDV's own helper on the same files
    direct = tfdv.generate_statistics_from_tfrecord(os.path.join(examples.split_uri("eval"), "*.gz"))
    ours = _features(tfdv_io.load_statistics(out, "eval"))
    for name, feature in _features(direct).items():
        assert ours[name].type == feature.type
        assert ours[name].WhichOneof("stats") == feature.WhichOneof("stats")
    assert ours["fare"].num_stats.mean == pytest.approx(_features(direct)["fare"].num_stats.mean)


def test_exclude_splits_and_stats_options_object(examples, run_component, tmp_path):
    import tensorflow_data_validation as tfdv

    options = tfdv.StatsOptions(num_top_values=1)
    out = run_component(
        StatisticsGenSpec, tmp_path, {"examples": examples}, exclude_splits=["eval"], stats_options=options
    )["statistics"]

    assert out.split_names == ["train"]
    assert os.listdir(out.uri) == ["Split-train"]
    company = _features(tfdv_io.load_statistics(out, "train"))["company"]
    assert len(company.string_stats.top_values) == 1


def test_stats_options_dict(examples, run_component, tmp_path):
    out = run_component(
        StatisticsGenSpec,
        tmp_path,
        {"examples": examples},
        stats_options={"feature_allowlist": ["fare", "company"], "num_top_values": 2},
    )["statistics"]

    for split in ("train", "eval"):
        features = _features(tfdv_io.load_statistics(out, split))
        assert set(features) == {"fare", "company"}
        assert len(features["company"].string_stats.top_values) == 2


def test_schema_input_steers_statistics_but_keeps_unknown_features(examples, run_component, tmp_path):
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    trips = schema.feature.add(name="trips", type=schema_pb2.INT)
    trips.int_domain.is_categorical = True
    schema.feature.add(name="company", type=schema_pb2.BYTES)
    schema_ref = ArtifactRef(type="Schema", uri=str(tmp_path / "schema"))
    tfdv_io.write_schema(schema, schema_ref)

    options = tfdv.StatsOptions(num_top_values=5)
    out = run_component(
        StatisticsGenSpec,
        tmp_path,
        {"examples": examples, "schema": schema_ref},
        exclude_splits=["eval"],
        stats_options=options,
    )["statistics"]
    assert options.schema is None  # the schema went into a copy, not into the DAG's object

    features = _features(tfdv_io.load_statistics(out, "train"))
    # categorical INT per the schema: string-like stats (top values) instead of numeric ones
    assert features["trips"].WhichOneof("stats") == "string_stats"
    assert features["trips"].string_stats.unique == 7
    # a feature the schema does not know is still described (so ExampleValidator can flag it)
    assert "fare" in features


def test_schema_in_both_places_is_rejected(examples, run_component, tmp_path):
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema_ref = ArtifactRef(type="Schema", uri=str(tmp_path / "schema"))
    tfdv_io.write_schema(schema_pb2.Schema(), schema_ref)
    with pytest.raises(PipelineDefinitionError, match="both as input"):
        run_component(
            StatisticsGenSpec,
            tmp_path,
            {"examples": examples, "schema": schema_ref},
            stats_options=tfdv.StatsOptions(schema=schema_pb2.Schema()),
        )


def test_unknown_stats_option_is_named(examples, run_component, tmp_path):
    with pytest.raises(PipelineDefinitionError, match="num_top_valuez"):
        run_component(
            StatisticsGenSpec, tmp_path, {"examples": examples}, stats_options={"num_top_valuez": 3}
        )


def test_missing_split_files_name_the_folder(write_examples, run_component, tmp_path):
    ref = write_examples(tmp_path / "ex", {"train": [{"a": 1}]})
    ref.split_names = ["train", "eval"]  # eval is announced but has no files
    with pytest.raises(InvalidInputDataError, match="Split-eval"):
        run_component(StatisticsGenSpec, tmp_path, {"examples": ref})


def test_unknown_excluded_split(examples, run_component, tmp_path):
    with pytest.raises(InvalidInputDataError, match="test"):
        run_component(StatisticsGenSpec, tmp_path, {"examples": examples}, exclude_splits=["test"])


@pytest.mark.parametrize(
    "params",
    [
        {"exclude_splits": "eval"},
        {"exclude_splits": [1]},
        {"stats_options": "num_top_values=3"},
        {"stats_options": {"feature_allowlist": {"fare"}}},  # a set is not JSON
        {"stats_options": {1: 2}},
    ],
)
def test_validate_parameters_rejects(params):
    with pytest.raises(PipelineDefinitionError):
        validate_parameters({"exclude_splits": [], "stats_options": None, **params})


def test_validate_parameters_accepts_defaults_and_dict():
    validate_parameters({"exclude_splits": [], "stats_options": None})
    validate_parameters({"exclude_splits": ["eval"], "stats_options": {"num_top_values": 3}})
    assert json.dumps(StatisticsGenSpec.parameters["exclude_splits"].default) == "[]"
