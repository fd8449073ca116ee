"""The Evaluator's output for the UI: metrics per slice (candidate, baseline, diff), the thresholds
with what became of each, and the verdict.

The evaluation artifact holds what ``tfma.ExtractEvaluateAndWriteResults`` wrote: uncompressed
TFRecords ``metrics-*`` (``MetricsForSlice``) and ``validations*`` (one ``ValidationResult``), and
``eval_config.json`` (the config TFMA ran, after the Evaluator's defaults: candidate and baseline
model specs). The blessing artifact holds the verdict: the property ``blessed`` (and the
``BLESSED``/``NOT_BLESSED`` file) and ``reason`` (see ``components/evaluator/executor.py``). All is
read without TFMA (see ``_tfma_protos``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_tfx_provider.components.evaluator.naming import OVERALL_SLICE, slice_name
from airflow_tfx_provider.ui.data import _files
from airflow_tfx_provider.ui.data._tfma_protos import tfma_protos

OVERALL = OVERALL_SLICE
CONFIG_FILE = "eval_config.json"
METRICS_PREFIX = "metrics"
VALIDATIONS_PREFIX = "validations"


@dataclass(frozen=True)
class MetricCell:
    """A metric on one slice: the candidate's value, the baseline's, TFMA's diff (candidate - baseline)."""

    value: float | None
    baseline: float | None = None
    diff: float | None = None


@dataclass(frozen=True)
class SliceRow:
    slice: str
    metrics: Mapping[str, MetricCell]

    @property
    def example_count(self) -> float | None:
        for name in ("example_count", "weighted_example_count"):
            if name in self.metrics and self.metrics[name].value is not None:
                return self.metrics[name].value
        return None


@dataclass(frozen=True)
class ThresholdRow:
    """One threshold of the eval config and what became of it.

    ``status``: ``passed``, ``failed``, ``skipped`` (a change threshold without a baseline) or
    ``unknown`` (no validation result). ``failures``: one line per slice that violated it.
    ``observed``: the value it was checked against on the Overall slice (the diff for a change
    threshold), if any.
    """

    metric: str
    slices: str
    kind: str
    bound: str
    status: str
    observed: float | None = None
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    blessed: bool | None
    reason: str
    validation_ok: bool | None
    deciding: tuple[str, ...] = ()


@dataclass
class EvaluationOutput:
    """The files of an evaluation artifact, parsed."""

    metrics: list[Any]
    validation: Any | None
    config: Any | None
    model_locations: dict[str, str] = field(default_factory=dict)

    @property
    def candidate(self) -> str:
        return model_names(self.config)[0]

    @property
    def baseline(self) -> str | None:
        return model_names(self.config)[1]


# --- loading ------------------------------------------------------------------------------------
def _records(uri: str, names: Iterable[str]) -> list[bytes]:
    records: list[bytes] = []
    for name in names:
        path = _files.join(uri, name)
        records.extend(_files.iter_tfrecords(_files.read_bytes(path, "evaluation"), path))
    return records


def load_evaluation(uri: str) -> EvaluationOutput:
    """The metrics, validation result and config of a ModelEvaluation artifact."""
    from google.protobuf import json_format

    protos = tfma_protos()
    names = _files.listdir(uri)
    metric_files = [n for n in names if n.startswith(METRICS_PREFIX)]
    if not metric_files:
        raise _files.ArtifactDataMissing(f"evaluation {uri} holds no metrics file (it holds {names})")
    metrics = [protos.metrics_for_slice.MetricsForSlice.FromString(r) for r in _records(uri, metric_files)]
    validations = _records(uri, [n for n in names if n.startswith(VALIDATIONS_PREFIX)])
    validation = protos.validation_result.ValidationResult.FromString(validations[0]) if validations else None
    config, locations = None, {}
    if CONFIG_FILE in names:
        path = _files.join(uri, CONFIG_FILE)
        try:
            saved = json.loads(_files.read_bytes(path, "eval config"))
            config = json_format.ParseDict(saved.get("evalConfig", {}), protos.config.EvalConfig())
        except (ValueError, json_format.ParseError) as err:
            raise _files.ArtifactDataInvalid(f"{path} is not TFMA's eval config: {err}") from err
        locations = {str(k): str(v) for k, v in (saved.get("modelLocations") or {}).items()}
    return EvaluationOutput(metrics, validation, config, locations)


def model_names(config: Any | None) -> tuple[str, str | None]:
    """(candidate, baseline or None): the model spec names TFMA's metric keys carry."""
    if config is None:
        return "", None
    candidate = next((s.name for s in config.model_specs if not s.is_baseline), "")
    baseline = next((s.name for s in config.model_specs if s.is_baseline), None)
    return candidate, baseline


# --- the slice table ----------------------------------------------------------------------------
def metric_name(key: Any) -> str:
    name = f"{key.output_name}/{key.name}" if key.output_name else key.name
    if key.HasField("example_weighted") and key.example_weighted.value:
        name += " (weighted)"
    return str(name)


def _scalar(value: Any) -> float | None:
    return float(value.double_value.value) if value.WhichOneof("type") == "double_value" else None


def slice_rows(metrics: Iterable[Any], candidate: str, baseline: str | None = None) -> list[SliceRow]:
    """One row per slice (Overall first, then the biggest): each scalar metric of the candidate,
    with the baseline's value and the diff where there is a baseline. Metrics with a sub key
    (class id, top k) or an aggregation, and cross-slice comparisons, are left out."""
    cells: dict[str, dict[str, dict[str, float]]] = {}
    for for_slice in metrics:
        if for_slice.HasField("cross_slice_key"):
            continue
        by_metric = cells.setdefault(slice_name(for_slice.slice_key), {})
        for entry in for_slice.metric_keys_and_values:
            key, value = entry.key, _scalar(entry.value)
            if value is None or key.HasField("sub_key") or key.HasField("aggregation_type"):
                continue
            if key.is_diff:
                role = "diff" if key.model_name == candidate else None
            elif key.model_name == candidate:
                role = "value"
            else:
                role = "baseline" if baseline is not None and key.model_name == baseline else None
            if role is not None:
                by_metric.setdefault(metric_name(key), {})[role] = value
    rows = [
        SliceRow(
            name,
            {m: MetricCell(v.get("value"), v.get("baseline"), v.get("diff")) for m, v in sorted(by.items())},
        )
        for name, by in cells.items()
    ]
    return sorted(rows, key=lambda r: (r.slice != OVERALL, -(r.example_count or 0.0), r.slice))


def metric_columns(rows: Sequence[SliceRow]) -> list[str]:
    """The metric names of a slice table, example counts first."""
    names = sorted({m for row in rows for m in row.metrics})
    return sorted(names, key=lambda n: (not n.startswith(("example_count", "weighted_example_count")), n))


# --- thresholds and verdict ----------------------------------------------------------------------
def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _config_name(metric: Any) -> str:
    """The name a ``MetricConfig`` gives its metric: ``config``'s ``name``, else its class name."""
    try:
        configured = json.loads(metric.config) if metric.config else {}
    except ValueError:
        configured = {}
    name = configured.get("name") if isinstance(configured, dict) else None
    return str(name or metric.class_name)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def describe_threshold(threshold: Any) -> tuple[str, str]:
    """(kind, bound) of a ``MetricThreshold``: ``("value", "≥ 0.7")``, ``("change", "diff ≥ -0.05 ...")``."""
    if threshold.HasField("value_threshold"):
        bound = threshold.value_threshold
        parts = []
        if bound.HasField("lower_bound"):
            parts.append(f"≥ {_fmt(bound.lower_bound.value)}")
        if bound.HasField("upper_bound"):
            parts.append(f"≤ {_fmt(bound.upper_bound.value)}")
        return "value", " and ".join(parts) or "any value"
    change = threshold.change_threshold
    higher = change.direction == tfma_protos().config.MetricDirection.Value("HIGHER_IS_BETTER")
    parts = []
    for kind in ("absolute", "relative"):
        if change.HasField(kind):
            sign = "≥" if higher else "≤"
            parts.append(f"{kind} diff {sign} {_fmt(getattr(change, kind).value)}")
    direction = "higher is better" if higher else "lower is better"
    return "change", (" and ".join(parts) or "any change") + f" ({direction})"


def _slicing(specs: Iterable[Any]) -> str:
    """``SlicingSpec``s as text: ``Overall``, ``trip_start_hour``, ``company=alpha & hour``, SQL."""
    names = []
    for spec in specs:
        keys = [f"{k}={v}" for k, v in sorted(spec.feature_values.items())] + list(spec.feature_keys)
        names.append(spec.slice_keys_sql or " & ".join(keys) or OVERALL)
    return ", ".join(names)


def configured_thresholds(config: Any) -> list[tuple[str, str, Any]]:
    """(metric name, slices, MetricThreshold) for every threshold of the config (not cross-slice ones)."""
    found: list[tuple[str, str, Any]] = []
    for spec in config.metrics_specs:
        for metric in spec.metrics:
            name = _config_name(metric)
            if metric.HasField("threshold"):
                found.append((name, "all slices", metric.threshold))
            found.extend((name, _slicing(t.slicing_specs), t.threshold) for t in metric.per_slice_thresholds)
        found.extend((name, "all slices", t) for name, t in sorted(spec.thresholds.items()))
        for name, per_slice in sorted(spec.per_slice_thresholds.items()):
            found.extend((name, _slicing(t.slicing_specs), t.threshold) for t in per_slice.thresholds)
    return found


def _failures(validation: Any | None) -> list[tuple[str, Any]]:
    """(slice, ValidationFailure) of the single-slice validations, Overall first, then by slice."""
    if validation is None:
        return []
    found = [
        (slice_name(v.slice_key), f)
        for v in validation.metric_validations_per_slice
        if not v.HasField("cross_slice_key")
        for f in v.failures
    ]
    return sorted(found, key=lambda item: (item[0] != OVERALL, item[0]))


def _describe_failure(where: str, failure: Any) -> str:
    key = failure.metric_key
    value = _scalar(failure.metric_value)
    shown = _fmt(value) if value is not None else "?"
    return f"{where}: {metric_name(key)}{' (diff to baseline)' if key.is_diff else ''} = {shown}"


def threshold_rows(output: EvaluationOutput, rows: Sequence[SliceRow] | None = None) -> list[ThresholdRow]:
    """Every threshold of the config, with its status and the slices that failed it."""
    if output.config is None:
        return []
    rows = rows if rows is not None else slice_rows(output.metrics, output.candidate, output.baseline)
    overall = next((r.metrics for r in rows if r.slice == OVERALL), {})
    failures = _failures(output.validation)
    result = []
    for name, slices, threshold in configured_thresholds(output.config):
        kind, bound = describe_threshold(threshold)
        mine = [
            _describe_failure(where, f)
            for where, f in failures
            if f.metric_threshold == threshold
            and bool(f.metric_key.is_diff) == (kind == "change")
            and _norm(f.metric_key.name) == _norm(name)
        ]
        cell = next((c for m, c in overall.items() if _norm(m) == _norm(name)), None)
        observed = (cell.diff if kind == "change" else cell.value) if cell is not None else None
        if kind == "change" and output.baseline is None:
            status = "skipped"
        elif mine:
            status = "failed"
        else:
            status = "passed" if output.validation is not None else "unknown"
        result.append(ThresholdRow(name, slices, kind, bound, status, observed, tuple(mine)))
    return result


def verdict(output: EvaluationOutput, blessed: bool | None = None, reason: str | None = None) -> Verdict:
    """The verdict: the blessing's ``blessed`` and ``reason`` properties (when known), TFMA's
    ``validation_ok``, and the failures and missing slices that made a NOT_BLESSED verdict."""
    validation = output.validation
    deciding = [_describe_failure(where, f) for where, f in _failures(validation)]
    if validation is not None:
        deciding += [
            f"threshold slice not found in the data: {_slicing([s])}" for s in validation.missing_slices
        ]
    ok = bool(validation.validation_ok) if validation is not None else None
    if blessed is None:
        blessed = ok
    if not reason:
        if ok is None:
            reason = "no validation result (no thresholds configured)"
        else:
            reason = "every threshold holds" if ok else "; ".join(deciding)
    return Verdict(blessed, reason, ok, () if blessed else tuple(deciding))
