"""ExampleValidator executor on real TFDV statistics (schema, drift and skew checks)."""

from __future__ import annotations

import os

import pytest

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components.example_validator import ExampleValidatorSpec, validate_parameters
from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
from airflow_tfx_provider.exceptions import (
    AnomaliesFoundError,
    InvalidInputDataError,
    PipelineDefinitionError,
)
from airflow_tfx_provider.types import ArtifactRef

LOGGER = "airflow_tfx_provider.components.example_validator"


class Data:
    """Statistics and schema shared by the tests of this module (computed once)."""

    clean: ArtifactRef  # the clean data set (span 3)
    schema: ArtifactRef  # inferred from the clean statistics
    bad: ArtifactRef  # eval: a company outside the domain, and no 'trips' at all
    previous: ArtifactRef  # span 2, another distribution (drift)
    skewed: ArtifactRef  # eval distribution differs from train (skew)


@pytest.fixture(scope="module")
def data(tmp_path_factory, write_examples, run_component, make_clean_splits) -> Data:
    root = tmp_path_factory.mktemp("validator")

    def stats(name, splits, span=3):
        examples = write_examples(root / name, splits, span=span)
        return run_component(StatisticsGenSpec, root, {"examples": examples})["statistics"]

    d = Data()
    d.clean = stats("clean", make_clean_splits())
    d.schema = run_component(SchemaGenSpec, root, {"statistics": d.clean})["schema"]

    bad = make_clean_splits()
    bad["eval"] = [
        {"fare": row["fare"], "company": "zeta" if i % 4 == 0 else row["company"]}
        for i, row in enumerate(bad["eval"])
    ]
    d.bad = stats("bad", bad)

    previous = {
        split: [{"trips": i % 7, "fare": 50.0 + i, "company": "gamma"} for i in range(n)]
        for split, n in (("train", 40), ("eval", 20))
    }
    d.previous = stats("previous", previous, span=2)

    skewed = make_clean_splits()
    skewed["eval"] = [
        {"trips": row["trips"], "fare": 100.0 + i, "company": "alpha"} for i, row in enumerate(skewed["eval"])
    ]
    d.skewed = stats("skewed", skewed)
    return d


def _validate(run_component, tmp_path, data, statistics, previous=None, **params):
    inputs = {"statistics": statistics, "schema": data.schema, "previous_statistics": previous}
    return run_component(ExampleValidatorSpec, tmp_path, inputs, **params)["anomalies"]


def _anomalies(out, split):
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    with open(os.path.join(out.uri, f"Split-{split}", "SchemaDiff.pb"), "rb") as f:
        return anomalies_pb2.Anomalies.FromString(f.read())


def test_clean_data_has_no_anomalies(data, run_component, tmp_path, caplog):
    caplog.set_level("INFO", logger=LOGGER)
    out = _validate(run_component, tmp_path, data, data.clean, fail_on_anomalies=True)

    assert out.split_names == ["train", "eval"]
    assert out.properties["span"] == 3
    assert sorted(os.listdir(out.uri)) == ["Split-eval", "Split-train"]
    for split in ("train", "eval"):
        anomalies = _anomalies(out, split)  # parses as a binary Anomalies proto
        assert dict(anomalies.anomaly_info) == {}
        assert anomalies.baseline.feature  # TFDV records the schema it validated against
    assert "split 'eval': no anomalies" in caplog.text
    assert out.properties["anomaly_count"] == 0 and out.properties["anomalies"] == ""


def test_unexpected_value_and_missing_feature(data, run_component, tmp_path, caplog):
    caplog.set_level("INFO", logger=LOGGER)
    out = _validate(run_component, tmp_path, data, data.bad)

    assert dict(_anomalies(out, "train").anomaly_info) == {}
    eval_anomalies = _anomalies(out, "eval")
    assert set(eval_anomalies.anomaly_info) == {"company", "trips"}
    assert "zeta" in eval_anomalies.anomaly_info["company"].description
    assert "eval: company: Unexpected string values" in caplog.text
    assert "eval: trips:" in caplog.text
    # the summary MLMD keeps (read by `airflow tfx runs`)
    assert out.properties["anomaly_count"] == 2
    assert "eval: company: Unexpected string values" in str(out.properties["anomalies"])


def test_fail_on_anomalies(data, run_component, tmp_path):
    with pytest.raises(AnomaliesFoundError) as info:
        _validate(run_component, tmp_path, data, data.bad, fail_on_anomalies=True)
    message = str(info.value)
    assert "eval: company:" in message and "zeta" in message
    assert "eval: trips:" in message
    assert "train:" not in message
    # everything was computed and written before failing (the launcher discards the staging folder)
    staged = list(tmp_path.glob("example_validator-*/anomalies/Split-*/SchemaDiff.pb"))
    assert len(staged) == 2


def test_drift_against_previous_span(data, run_component, tmp_path):
    out = _validate(
        run_component,
        tmp_path,
        data,
        data.clean,
        previous=data.previous,
        drift_thresholds={"company": 0.1, "fare": 0.1},
    )
    for split in ("train", "eval"):
        anomalies = _anomalies(out, split)
        assert set(anomalies.anomaly_info) == {"company", "fare"}
        assert "Linfty distance between current and previous" in anomalies.anomaly_info["company"].description
        assert "Jensen-Shannon divergence" in anomalies.anomaly_info["fare"].description
        measured = {".".join(i.path.step): i for i in anomalies.drift_skew_info}
        assert measured["company"].drift_measurements[0].value > 0.1


def test_no_drift_against_same_distribution(data, run_component, tmp_path):
    out = _validate(
        run_component,
        tmp_path,
        data,
        data.clean,
        previous=data.clean,
        drift_thresholds={"company": 0.1, "fare": 0.1},
    )
    assert all(not _anomalies(out, s).anomaly_info for s in ("train", "eval"))


def test_drift_skipped_without_previous_span(data, run_component, tmp_path, caplog):
    caplog.set_level("INFO", logger=LOGGER)
    out = _validate(run_component, tmp_path, data, data.clean, drift_thresholds={"company": 0.01})
    assert "drift detection skipped: there is no previous span" in caplog.text
    assert not _anomalies(out, "eval").anomaly_info


def test_train_eval_skew(data, run_component, tmp_path):
    out = _validate(run_component, tmp_path, data, data.skewed, skew_thresholds={"company": 0.2, "fare": 0.2})

    train = _anomalies(out, "train")
    assert not train.anomaly_info and not train.drift_skew_info  # train is the baseline
    skew = _anomalies(out, "eval")
    assert set(skew.anomaly_info) == {"company", "fare"}
    assert "between training and serving" in skew.anomaly_info["company"].description
    measured = {".".join(i.path.step): i for i in skew.drift_skew_info}
    assert measured["company"].skew_measurements[0].value == pytest.approx(2 / 3, abs=0.05)
    assert measured["fare"].skew_measurements[0].value > 0.2


def test_no_skew_on_clean_data_and_train_as_baseline_when_excluded(data, run_component, tmp_path):
    out = _validate(
        run_component,
        tmp_path,
        data,
        data.clean,
        exclude_splits=["train"],
        skew_thresholds={"company": 0.2, "fare": 0.5},
    )
    assert out.split_names == ["eval"]
    assert os.listdir(out.uri) == ["Split-eval"]
    anomalies = _anomalies(out, "eval")
    assert not anomalies.anomaly_info
    assert {".".join(i.path.step) for i in anomalies.drift_skew_info} == {"company", "fare"}


def test_threshold_for_unknown_feature(data, run_component, tmp_path):
    with pytest.raises(InvalidInputDataError, match=r"\['tip'\].*schema features"):
        _validate(run_component, tmp_path, data, data.clean, skew_thresholds={"tip": 0.1})


def test_missing_schema_file_is_named(data, run_component, tmp_path):
    schema = ArtifactRef(type="Schema", uri=str(tmp_path / "no_schema"), mlmd_id=7)
    with pytest.raises(InvalidInputDataError, match=r"no_schema/schema\.pbtxt"):
        run_component(ExampleValidatorSpec, tmp_path, {"statistics": data.clean, "schema": schema})


def test_load_anomalies_roundtrip(data, run_component, tmp_path):
    out = _validate(run_component, tmp_path, data, data.bad)
    assert set(tfdv_io.load_anomalies(out, "eval").anomaly_info) == {"company", "trips"}


@pytest.mark.parametrize(
    "params",
    [
        {"fail_on_anomalies": "yes"},
        {"exclude_splits": "train"},
        {"drift_thresholds": {"fare": -0.1}},
        {"drift_thresholds": {"fare": 0}},
        {"skew_thresholds": {"fare": True}},
        {"skew_thresholds": {"fare": "0.1"}},
        {"skew_thresholds": [("fare", 0.1)]},
        {"skew_thresholds": {"": 0.1}},
    ],
)
def test_validate_parameters_rejects(params):
    defaults = {
        "exclude_splits": [],
        "fail_on_anomalies": False,
        "drift_thresholds": None,
        "skew_thresholds": None,
    }
    with pytest.raises(PipelineDefinitionError):
        validate_parameters({**defaults, **params})


def test_validate_parameters_accepts():
    validate_parameters(
        {
            "exclude_splits": ["eval"],
            "fail_on_anomalies": True,
            "drift_thresholds": {"a": 1},
            "skew_thresholds": {},
        }
    )
