"""The slice table, thresholds and verdict of a real Evaluator output, checked against what TFMA
itself loads and what the Evaluator's executor stored in the blessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_tfx_provider.ui.data import _files
from airflow_tfx_provider.ui.data import evaluation as ev
from tests.unit.ui.conftest import Evaluation


@pytest.fixture(scope="module")
def output(evaluation: Evaluation) -> ev.EvaluationOutput:
    return ev.load_evaluation(evaluation.evaluation.uri)


def test_loads_the_files_tfma_wrote(output: ev.EvaluationOutput, evaluation: Evaluation) -> None:
    import tensorflow_model_analysis as tfma

    uri = evaluation.evaluation.uri
    assert output.metrics == list(tfma.load_metrics(uri))
    assert output.validation == tfma.load_validation_result(uri)
    assert (output.candidate, output.baseline) == ("candidate", "baseline")
    assert output.model_locations["candidate"].endswith("Format-Serving")
    assert len(output.config.metrics_specs[0].metrics) == 3


def test_slice_table_matches_the_executors_headline_metrics(
    output: ev.EvaluationOutput, evaluation: Evaluation
) -> None:
    import tensorflow_model_analysis as tfma

    from airflow_tfx_provider.components.evaluator.executor import headline_metrics, ordered_slices

    metrics = list(tfma.load_metrics(evaluation.evaluation.uri))
    candidate, baseline = headline_metrics(metrics, "candidate"), headline_metrics(metrics, "baseline")
    rows = ev.slice_rows(output.metrics, output.candidate, output.baseline)
    assert [r.slice for r in rows] == ordered_slices(candidate)
    assert rows[0].slice == ev.OVERALL and len(rows) == 5  # Overall + trip_start_hour 0..3
    for row in rows:
        assert {m: c.value for m, c in row.metrics.items()} == candidate[row.slice]
        assert {m: c.baseline for m, c in row.metrics.items()} == baseline[row.slice]
        auc = row.metrics["auc"]
        assert auc.diff is not None and auc.value is not None and auc.baseline is not None
        assert auc.diff == pytest.approx(auc.value - auc.baseline)
        assert auc.diff < -0.5  # the candidate ranks backwards
    assert rows[0].example_count == 200.0
    assert sum(r.example_count or 0 for r in rows[1:]) == 200.0
    # stored as properties of the evaluation artifact by the executor
    props = evaluation.evaluation.properties
    assert rows[0].metrics["binary_accuracy"].value == props["metric/Overall/binary_accuracy"]
    columns = ev.metric_columns(rows)
    assert columns[0] == "example_count" and set(columns) == set(rows[0].metrics)


def test_without_baseline_only_candidate_values(output: ev.EvaluationOutput) -> None:
    rows = ev.slice_rows(output.metrics, "candidate")
    assert all(c.baseline is None for r in rows for c in r.metrics.values())
    assert rows[0].metrics["auc"].diff is not None  # TFMA's diff is the candidate's own key


def test_thresholds(output: ev.EvaluationOutput) -> None:
    rows = {r.metric: r for r in ev.threshold_rows(output)}
    assert list(rows) == ["ExampleCount", "AUC", "BinaryAccuracy"]
    count, auc, accuracy = rows["ExampleCount"], rows["AUC"], rows["BinaryAccuracy"]
    assert (count.kind, count.bound, count.status, count.failures) == ("value", "≥ 1", "passed", ())
    assert count.observed == 200.0
    assert (auc.kind, auc.status) == ("change", "failed")
    assert auc.bound == "absolute diff ≥ -0.05 (higher is better)"
    assert (accuracy.kind, accuracy.bound, accuracy.status) == ("value", "≥ 0.3", "failed")
    overall = ev.slice_rows(output.metrics, output.candidate, output.baseline)[0].metrics
    assert accuracy.observed == overall["binary_accuracy"].value
    assert auc.observed == overall["auc"].diff
    # one failure line per slice that violated it, as in TFMA's validation result
    failures = [
        f
        for v in output.validation.metric_validations_per_slice
        for f in v.failures
        if f.metric_key.name == "auc"
    ]
    assert len(auc.failures) == len(failures) == 5
    assert all("(diff to baseline)" in line for line in auc.failures)
    assert auc.failures[0].startswith("Overall: auc (diff to baseline) = ")


def test_threshold_status_without_baseline_or_validation(output: ev.EvaluationOutput) -> None:
    config = type(output.config)()
    config.CopyFrom(output.config)
    del config.model_specs[1]  # as if the Evaluator had no baseline
    rows = {r.metric: r for r in ev.threshold_rows(ev.EvaluationOutput(output.metrics, None, config))}
    assert rows["AUC"].status == "skipped"
    assert rows["BinaryAccuracy"].status == rows["ExampleCount"].status == "unknown"


def test_verdict_from_the_blessing(output: ev.EvaluationOutput, evaluation: Evaluation) -> None:
    props = evaluation.blessing.properties
    assert props["blessed"] == 0
    verdict = ev.verdict(output, blessed=bool(props["blessed"]), reason=str(props["reason"]))
    assert verdict.blessed is False and verdict.validation_ok is False
    assert verdict.reason == props["reason"]
    failures = [f for v in output.validation.metric_validations_per_slice for f in v.failures]
    assert len(verdict.deciding) == len(failures) == 10  # auc and binary_accuracy on 5 slices
    assert sorted(verdict.deciding) == sorted(line for r in ev.threshold_rows(output) for line in r.failures)


def test_verdict_without_the_blessing(output: ev.EvaluationOutput) -> None:
    verdict = ev.verdict(output)
    assert verdict.blessed is False
    assert verdict.reason == "; ".join(verdict.deciding)
    none = ev.verdict(ev.EvaluationOutput(output.metrics, None, output.config))
    assert (none.blessed, none.validation_ok, none.deciding) == (None, None, ())


def test_describe_thresholds() -> None:
    protos = ev.tfma_protos()
    threshold = protos.config.MetricThreshold()
    threshold.value_threshold.upper_bound.value = 0.25
    assert ev.describe_threshold(threshold) == ("value", "≤ 0.25")
    threshold = protos.config.MetricThreshold()
    threshold.change_threshold.relative.value = 0.1
    threshold.change_threshold.direction = protos.config.MetricDirection.Value("LOWER_IS_BETTER")
    assert ev.describe_threshold(threshold) == ("change", "relative diff ≤ 0.1 (lower is better)")


def test_slice_names() -> None:
    key = ev.tfma_protos().metrics_for_slice.SliceKey()
    assert ev.slice_name(key) == ev.OVERALL
    key.single_slice_keys.add(column="company", bytes_value=b"alpha")
    key.single_slice_keys.add(column="hour", int64_value=3)
    key.single_slice_keys.add(column="x", float_value=0.5)
    assert ev.slice_name(key) == "company=alpha&hour=3&x=0.5"


def test_missing_or_broken_evaluation(tmp_path: Path) -> None:
    with pytest.raises(_files.ArtifactDataMissing):
        ev.load_evaluation(str(tmp_path / "nowhere"))
    with pytest.raises(_files.ArtifactDataMissing, match="no metrics file"):
        ev.load_evaluation(str(tmp_path))
    (tmp_path / "metrics-00000-of-00001.tfrecord").write_bytes(b"\x05" * 40)
    with pytest.raises(_files.ArtifactDataInvalid):
        ev.load_evaluation(str(tmp_path))
