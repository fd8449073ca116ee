"""ExampleStatistics rows, checked against the TFDV proto they come from and the pandas data."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from airflow_tfx_provider.ui.data import _files
from airflow_tfx_provider.ui.data import statistics as st
from tests.unit.ui.conftest import DataValidation


def _proto_feature(dv: DataValidation, split: str, name: str):
    return next(f for f in dv.stats[split].datasets[0].features if st.feature_name(f) == name)


def test_loader_reads_what_statistics_gen_writes(dv: DataValidation) -> None:
    from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io

    assert st.STATS_FILE_NAME == tfdv_io.STATS_FILE_NAME
    found = st.load_split_statistics(dv.statistics_ref.uri)  # no split names: the Split-* folders
    assert sorted(found) == ["eval", "train"]
    for split in ("train", "eval"):
        assert found[split] == dv.stats[split]
        assert found[split] == tfdv_io.load_statistics(dv.statistics_ref, split)
    assert list(st.load_split_statistics(dv.statistics_ref.uri, ["eval"])) == ["eval"]


def test_loader_errors(dv: DataValidation, tmp_path: Path) -> None:
    with pytest.raises(_files.ArtifactDataMissing):
        st.load_split_statistics(str(tmp_path / "nowhere"))
    with pytest.raises(_files.ArtifactDataMissing, match="split 'test'"):
        st.load_split_statistics(dv.statistics_ref.uri, ["test"])
    bad = tmp_path / "Split-train"
    bad.mkdir()
    (bad / st.STATS_FILE_NAME).write_bytes(b"\xff\xff not a proto")
    with pytest.raises(_files.ArtifactDataInvalid, match="DatasetFeatureStatisticsList"):
        st.load_split_statistics(str(tmp_path))


@pytest.mark.parametrize("split", ["train", "eval"])
def test_counts_and_missing(dv: DataValidation, split: str) -> None:
    frame = dv.frames[split]
    rows = st.split_statistics(split, dv.stats[split])
    assert rows.num_examples == len(frame)
    assert {r.name for r in rows.features} == set(frame.columns)
    for row in rows.features:
        column = frame[row.name]
        assert row.count == int(column.notna().sum())
        assert row.missing == int(column.isna().sum())
        assert row.missing_pct == pytest.approx(100.0 * column.isna().mean())


@pytest.mark.parametrize("split", ["train", "eval"])
def test_numeric_feature(dv: DataValidation, split: str) -> None:
    column = dv.frames[split]["fare"].dropna()
    row = st.split_statistics(split, dv.stats[split]).feature("fare")
    proto = _proto_feature(dv, split, "fare").num_stats
    assert row is not None and row.kind == "numeric" and row.type == "FLOAT"
    assert (row.mean, row.std, row.median, row.min, row.max) == (
        proto.mean,
        proto.std_dev,
        proto.median,
        proto.min,
        proto.max,
    )
    assert row.mean == pytest.approx(column.mean())
    assert (row.min, row.max) == (column.min(), column.max())
    assert row.zeros == int((column == 0).sum())
    assert row.unique is None and row.top_values == ()
    # the standard histogram: its buckets hold every value once
    assert row.histogram and all(b.low is not None and b.high is not None for b in row.histogram)
    assert sum(b.count for b in row.histogram) == pytest.approx(row.count, rel=1e-3)
    assert row.histogram[0].low == pytest.approx(column.min()) and row.histogram[-1].high == pytest.approx(
        column.max()
    )


@pytest.mark.parametrize("split", ["train", "eval"])
def test_string_feature(dv: DataValidation, split: str) -> None:
    column = dv.frames[split]["company"]
    row = st.split_statistics(split, dv.stats[split]).feature("company")
    assert row is not None and row.kind == "string" and row.type == "STRING"
    assert row.unique == column.nunique()
    counts = column.value_counts()
    assert row.top_values[0] == (counts.index[0], float(counts.iloc[0]))
    assert dict(row.top_values) == {k: float(v) for k, v in counts.items()}
    assert row.avg_length == pytest.approx(column.str.len().mean())
    assert row.mean is None and row.zeros is None
    # the rank histogram: one bar per value, most frequent first, summing to the count
    assert {b.label: b.count for b in row.histogram} == {k: float(v) for k, v in counts.items()}
    assert [b.count for b in row.histogram] == sorted((b.count for b in row.histogram), reverse=True)
    assert sum(b.count for b in row.histogram) == pytest.approx(row.count)


def test_int_feature_is_numeric(dv: DataValidation) -> None:
    row = st.split_statistics("train", dv.stats["train"]).feature("trips")
    assert row is not None and row.type == "INT" and row.kind == "numeric"
    assert row.mean == pytest.approx(dv.frames["train"]["trips"].mean())


def test_side_by_side(dv: DataValidation) -> None:
    splits = st.all_splits(dv.stats)
    assert st.default_pair(list(splits)) == ("train", "eval")
    pairs = st.side_by_side(splits["train"], splits["eval"])
    assert [p.name for p in pairs] == [f.name for f in splits["train"].features]
    for pair in pairs:
        assert pair.left == splits["train"].feature(pair.name)
        assert pair.right == splits["eval"].feature(pair.name)
    fare = next(p for p in pairs if p.name == "fare")
    assert fare.left is not None and fare.right is not None
    assert fare.left.mean != fare.right.mean  # the two splits really are two different datasets


def test_side_by_side_with_a_feature_in_one_split_only() -> None:
    only_left = st.FeatureRow("a", "INT", "numeric", 1, 0, 0.0, 1.0)
    both = st.FeatureRow("b", "INT", "numeric", 1, 0, 0.0, 1.0)
    only_right = st.FeatureRow("c", "INT", "numeric", 1, 0, 0.0, 1.0)
    pairs = st.side_by_side(
        st.SplitStatistics("x", 1, (only_left, both)), st.SplitStatistics("y", 1, (both, only_right))
    )
    assert [(p.name, p.left is not None, p.right is not None) for p in pairs] == [
        ("a", True, False),
        ("b", True, True),
        ("c", False, True),
    ]


def test_default_pair() -> None:
    assert st.default_pair(["eval", "train"]) == ("train", "eval")
    assert st.default_pair(["a", "b", "c"]) == ("a", "b")
    assert st.default_pair(["train"]) is None


def test_slices(dv: DataValidation) -> None:
    sliced = type(dv.stats["train"])()
    sliced.CopyFrom(dv.stats["train"])
    other = sliced.datasets.add()
    other.CopyFrom(sliced.datasets[0])
    sliced.datasets[0].name, other.name, other.num_examples = "company_alpha", st.DEFAULT_SLICE, 99
    assert st.split_statistics("train", sliced).num_examples == 99  # the unsliced dataset by default
    assert st.split_statistics("train", sliced, "company_alpha").num_examples == len(dv.frames["train"])
    with pytest.raises(_files.ArtifactDataMissing):
        st.split_statistics("train", sliced, "nope")


def test_missing_pct_never_divides_by_zero() -> None:
    from tensorflow_metadata.proto.v0 import statistics_pb2

    feature = statistics_pb2.FeatureNameStatistics(type=statistics_pb2.FeatureNameStatistics.FLOAT)
    feature.path.step.append("empty")
    feature.num_stats.SetInParent()
    row = st.feature_row(feature, 0)
    assert (row.count, row.missing, row.missing_pct, row.histogram) == (0, 0, 0.0, ())
    assert not math.isnan(row.missing_pct)
