"""Schema and anomaly rows, checked against the protos TFDV made and the data they came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_tfx_provider.ui.data import _files
from airflow_tfx_provider.ui.data import schema as sc
from tests.unit.ui.conftest import DataValidation


def test_loaders_read_what_the_components_write(dv: DataValidation) -> None:
    from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io

    assert (sc.SCHEMA_FILE_NAME, sc.ANOMALIES_FILE_NAME) == (
        tfdv_io.SCHEMA_FILE_NAME,
        tfdv_io.ANOMALIES_FILE_NAME,
    )
    assert sc.load_schema(dv.schema_ref.uri) == dv.schema
    loaded = sc.load_split_anomalies(dv.anomalies_ref.uri)
    assert sorted(loaded) == ["eval", "train"]
    for split, proto in dv.anomalies.items():
        assert loaded[split] == proto == tfdv_io.load_anomalies(dv.anomalies_ref, split)


def test_loader_errors(tmp_path: Path) -> None:
    with pytest.raises(_files.ArtifactDataMissing, match="schema"):
        sc.load_schema(str(tmp_path))
    (tmp_path / sc.SCHEMA_FILE_NAME).write_text("feature { name: ")
    with pytest.raises(_files.ArtifactDataInvalid, match="text-format Schema"):
        sc.load_schema(str(tmp_path))
    with pytest.raises(_files.ArtifactDataMissing):
        sc.load_split_anomalies(str(tmp_path / "nowhere"))


def test_schema_rows(dv: DataValidation) -> None:
    from tensorflow_metadata.proto.v0 import schema_pb2

    rows = {r.name: r for r in sc.schema_rows(dv.schema)}
    assert list(rows) == [f.name for f in dv.schema.feature]
    for feature in dv.schema.feature:
        row = rows[feature.name]
        assert row.type == schema_pb2.FeatureType.Name(feature.type)
        # train has every feature in every example, once
        assert feature.presence.min_fraction == 1.0 and row.presence == "required"
        assert row.valency == "single"
    assert (rows["fare"].type, rows["trips"].type, rows["company"].type) == ("FLOAT", "INT", "BYTES")
    # company's values are a schema-level string domain that the feature names
    company = next(f for f in dv.schema.feature if f.name == "company")
    domain = next(d for d in dv.schema.string_domain if d.name == company.domain)
    assert set(rows["company"].domain_values) == set(domain.value) == set(dv.frames["train"]["company"])
    assert rows["company"].domain == f"{domain.name}: {len(domain.value)} values"
    assert rows["fare"].domain == "-"


def test_domains_presence_and_valency_variants() -> None:
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = text_format.Parse(
        """
        feature { name: "hour" type: INT int_domain { min: 0 max: 23 is_categorical: true }
                  presence { min_fraction: 0.5 } value_count { min: 1 max: 3 } }
        feature { name: "ratio" type: FLOAT float_domain { min: 0 }
                  shape { dim { size: 2 } dim { size: 3 } } }
        feature { name: "flag" type: INT bool_domain {} }
        feature { name: "kind" type: BYTES string_domain { value: "a" value: "<b>" } }
        """,
        schema_pb2.Schema(),
    )
    rows = {r.name: r for r in sc.schema_rows(schema)}
    assert rows["hour"].domain == "int [0, 23] categorical"
    assert rows["hour"].presence == "optional (in ≥ 50% of examples)"
    assert rows["hour"].valency == "1\u20133 values"
    assert (rows["ratio"].domain, rows["ratio"].valency, rows["ratio"].presence) == (
        "float [0.0, ∞]",
        "shape [2, 3]",
        "optional",
    )
    assert (rows["flag"].domain, rows["flag"].valency) == ("bool", "any")
    assert rows["kind"].domain_values == ("a", "<b>")


def test_anomaly_rows(dv: DataValidation) -> None:
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    rows = sc.anomaly_rows(dv.anomalies)
    assert [r for r in rows if r.split == "train"] == []  # train validates against its own schema
    eval_info = dv.anomalies["eval"].anomaly_info
    assert "company" in eval_info and "fare" in eval_info  # unseen "zeta", a missing fare
    eval_rows = [r for r in rows if r.split == "eval"]
    assert sorted({r.feature for r in eval_rows}) == sorted(eval_info)
    for feature, info in eval_info.items():
        mine = [r for r in eval_rows if r.feature == feature]
        severity = anomalies_pb2.AnomalyInfo.Severity.Name(info.severity)
        assert {r.severity for r in mine} == {severity}
        if len(info.reason) > 1:
            assert [r.short for r in mine] == [reason.short_description for reason in info.reason]
        else:
            assert [(r.short, r.description) for r in mine] == [(info.short_description, info.description)]
    assert any("zeta" in r.description for r in eval_rows if r.feature == "company")


def test_dataset_level_anomalies() -> None:
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    proto = anomalies_pb2.Anomalies(data_missing=True)
    proto.dataset_anomaly_info.short_description = "Low num examples"
    proto.dataset_anomaly_info.description = "The dataset has 3 examples"
    proto.dataset_anomaly_info.severity = anomalies_pb2.AnomalyInfo.WARNING
    rows = sc.anomaly_rows({"serving": proto})
    assert [(r.feature, r.short, r.severity) for r in rows] == [
        (sc.DATASET, "No data", "ERROR"),
        (sc.DATASET, "Low num examples", "WARNING"),
    ]


def test_drift_rows(dv: DataValidation) -> None:
    rows = sc.drift_skew_rows(dv.anomalies)
    measured = [
        (split, m)
        for split, proto in dv.anomalies.items()
        for info in proto.drift_skew_info
        for m in info.drift_measurements
    ]
    assert len(rows) == len(measured) >= 2  # company, in both splits
    for row, (split, m) in zip(rows, measured, strict=True):
        assert (row.split, row.feature, row.kind, row.measure) == (split, "company", "drift", "L_INFTY")
        assert (row.value, row.threshold) == (m.value, m.threshold)
    drifted = next(r for r in rows if r.split == "eval")
    assert drifted.exceeded and drifted.value > 0.1  # "zeta" is 4 of 6 eval values
    same = next(r for r in rows if r.split == "train")
    assert not same.exceeded and same.value == 0.0
