"""example_validator's executor."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from airflow_tfx_provider.components._artifacts import copy_span, optional, single
from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components.example_validator import _NAME
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.exceptions import (
    AnomaliesFoundError,
    InvalidInputDataError,
)
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


TRAIN_SPLIT = "train"


# --- comparators ------------------------------------------------------------------------------
def _is_categorical(feature: schema_pb2.Feature, schema: schema_pb2.Schema) -> bool:

    if feature.type == schema_pb2.BYTES:
        return True
    if feature.type != schema_pb2.INT:
        return False
    domain = feature.WhichOneof("domain_info")
    if domain == "bool_domain":
        return True
    if domain == "int_domain":
        return bool(feature.int_domain.is_categorical)
    if domain == "domain":  # a reference to a schema-level domain
        return any(d.name == feature.domain and d.is_categorical for d in schema.int_domain)
    return False


def apply_thresholds(schema: schema_pb2.Schema, thresholds: Mapping[str, float], kind: str) -> None:
    """Set ``<kind>_comparator`` thresholds (kind: "drift" or "skew") on the named features."""
    features = {f.name: f for f in schema.feature}
    missing = sorted(set(thresholds) - set(features))
    if missing:
        raise InvalidInputDataError(
            f"{kind}_thresholds names feature(s) {missing} that the schema does not have; "
            f"schema features: {sorted(features)}"
        )
    for name, threshold in thresholds.items():
        feature = features[name]
        comparator = feature.drift_comparator if kind == "drift" else feature.skew_comparator
        if _is_categorical(feature, schema):
            comparator.infinity_norm.threshold = float(threshold)
            measure = "L-infinity distance"
        elif feature.type in (schema_pb2.INT, schema_pb2.FLOAT):
            comparator.jensen_shannon_divergence.threshold = float(threshold)
            measure = "Jensen-Shannon divergence"
        else:
            raise InvalidInputDataError(
                f"{kind}_thresholds[{name!r}]: feature type "
                f"{schema_pb2.FeatureType.Name(feature.type)} has no {kind} comparator "
                "(only BYTES, INT and FLOAT features do)"
            )
        log.info("%s check on feature %r: %s above %s", kind, name, measure, threshold)


# --- reporting -------------------------------------------------------------------------------
def describe_anomalies(anomalies: anomalies_pb2.Anomalies) -> list[tuple[str, str]]:
    """``(feature, description)`` for each anomaly, sorted by feature; dataset-level ones first."""
    found: list[tuple[str, str]] = []

    def text(info: anomalies_pb2.AnomalyInfo) -> str:
        short, desc = info.short_description.strip(), info.description.strip()
        if short and desc and desc != short:
            return f"{short} ({desc})"
        return short or desc or "anomaly"

    if anomalies.data_missing:
        found.append(("<dataset>", "no data"))
    if anomalies.HasField("dataset_anomaly_info") and (
        anomalies.dataset_anomaly_info.reason or anomalies.dataset_anomaly_info.description
    ):
        found.append(("<dataset>", text(anomalies.dataset_anomaly_info)))
    for feature in sorted(anomalies.anomaly_info):
        found.append((feature, text(anomalies.anomaly_info[feature])))
    return found


def _log_measurements(split: str, anomalies: anomalies_pb2.Anomalies) -> None:
    for info in anomalies.drift_skew_info:
        feature = ".".join(info.path.step)
        for kind, measurements in (("drift", info.drift_measurements), ("skew", info.skew_measurements)):
            for m in measurements:
                log.info(
                    "split %r: %s: %s %s = %.6g (threshold %.6g)",
                    split,
                    feature,
                    kind,
                    type(m).Type.Name(m.type),
                    m.value,
                    m.threshold,
                )


# --- executor ---------------------------------------------------------------------------------
def _schema_with_comparators(
    schema_ref: ArtifactRef, drift_thresholds: Mapping[str, float], skew_thresholds: Mapping[str, float]
) -> schema_pb2.Schema:
    """The schema with the configured drift and skew comparators added."""
    schema = tfdv_io.load_schema(schema_ref)  # a fresh message: safe to add comparators to
    if drift_thresholds:
        apply_thresholds(schema, drift_thresholds, "drift")
    if skew_thresholds:
        apply_thresholds(schema, skew_thresholds, "skew")
    return schema


def _drift_baseline(previous: ArtifactRef | None, drift_configured: bool) -> ArtifactRef | None:
    """The previous span's statistics to check drift against, or ``None`` (no drift check)."""
    if drift_configured and previous is None:
        log.info("drift detection skipped: there is no previous span (input previous_statistics is empty)")
    elif previous is not None and not drift_configured:
        log.info("previous_statistics given but no drift threshold configured: no drift check")
    elif previous is not None:
        log.info("drift: comparing with previous statistics %s (%s)", previous.mlmd_id, previous.uri)
        return previous
    return None


def _skew_baseline(
    statistics: ArtifactRef, skew_configured: bool
) -> statistics_pb2.DatasetFeatureStatisticsList | None:
    """The train split's statistics to check skew against, or ``None`` (no skew check)."""
    if not skew_configured:
        return None
    if TRAIN_SPLIT not in statistics.split_names:
        log.warning(
            "skew detection skipped: statistics artifact %s has no %r split (it has %s)",
            statistics.mlmd_id,
            TRAIN_SPLIT,
            statistics.split_names,
        )
        return None
    train_stats = tfdv_io.load_statistics(statistics, TRAIN_SPLIT)
    log.info("skew: comparing every other split with split %r", TRAIN_SPLIT)
    return train_stats


def _previous_split_statistics(
    previous: ArtifactRef | None, split: str
) -> statistics_pb2.DatasetFeatureStatisticsList | None:
    """``split``'s statistics in the drift baseline, if there is one and it has the split."""
    if previous is None:
        return None
    if split in previous.split_names:
        return tfdv_io.load_statistics(previous, split)
    log.warning(
        "split %r: drift check skipped, previous statistics have no such split (they have %s)",
        split,
        previous.split_names,
    )
    return None


def _validate_split(
    split: str,
    statistics: ArtifactRef,
    schema: schema_pb2.Schema,
    schema_ref: ArtifactRef,
    previous: ArtifactRef | None,
    train_stats: statistics_pb2.DatasetFeatureStatisticsList | None,
    target: ArtifactRef,
) -> list[tuple[str, str]]:
    """Validate one split, write its anomalies to ``target``, log them and return them described."""
    stats = train_stats if split == TRAIN_SPLIT and train_stats is not None else None
    if stats is None:
        stats = tfdv_io.load_statistics(statistics, split)
    previous_stats = _previous_split_statistics(previous, split)
    serving_stats = train_stats if split != TRAIN_SPLIT else None
    try:
        anomalies = tfdv.validate_statistics(
            stats, schema, previous_statistics=previous_stats, serving_statistics=serving_stats
        )
    except (ValueError, TypeError, RuntimeError) as err:
        raise InvalidInputDataError(
            f"cannot validate {tfdv_io.statistics_path(statistics, split)} against "
            f"{tfdv_io.schema_path(schema_ref)}: {err}"
        ) from err
    tfdv_io.write_anomalies(anomalies, target, split)
    _log_measurements(split, anomalies)
    found = describe_anomalies(anomalies)
    if found:
        log.warning(
            "split %r: %d anomal%s:\n%s",
            split,
            len(found),
            "y" if len(found) == 1 else "ies",
            "\n".join(f"  {split}: {feature}: {desc}" for feature, desc in found),
        )
    else:
        log.info("split %r: no anomalies", split)
    return found


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: validate every selected split, write ``SchemaDiff.pb``, report (and maybe fail)."""
    statistics = single(inputs, "statistics")
    schema_ref = single(inputs, "schema")
    previous = optional(inputs, "previous_statistics")
    target = single(outputs, "anomalies")

    splits = example_io.selected_splits(statistics, params.get("exclude_splits"))
    drift_thresholds: Mapping[str, float] = params.get("drift_thresholds") or {}
    skew_thresholds: Mapping[str, float] = params.get("skew_thresholds") or {}
    log.info(
        "validating split(s) %s of statistics artifact %s (%s) against schema %s",
        splits,
        statistics.mlmd_id,
        statistics.uri,
        tfdv_io.schema_path(schema_ref),
    )

    schema = _schema_with_comparators(schema_ref, drift_thresholds, skew_thresholds)
    drift_configured = any(f.HasField("drift_comparator") for f in schema.feature)
    skew_configured = any(f.HasField("skew_comparator") for f in schema.feature)
    drift_baseline = _drift_baseline(previous, drift_configured)  # the previous span, split by split
    train_stats = _skew_baseline(statistics, skew_configured)  # the train split

    report: list[tuple[str, str, str]] = []
    for split in splits:
        found = _validate_split(split, statistics, schema, schema_ref, drift_baseline, train_stats, target)
        report.extend((split, feature, desc) for feature, desc in found)

    copy_span(statistics, target)
    target.split_names = splits
    # a summary in MLMD, so `airflow tfx runs` and the UI show the verdict without reading the files
    target.properties["anomaly_count"] = len(report)
    target.properties["anomalies"] = "; ".join(f"{s}: {f}: {d}" for s, f, d in report)[:1000]

    if report and params.get("fail_on_anomalies", False):
        bad_splits = sorted({split for split, _, _ in report})
        lines = "\n".join(f"  {split}: {feature}: {desc}" for split, feature, desc in report)
        raise AnomaliesFoundError(
            f"{_NAME} found {len(report)} anomal{'y' if len(report) == 1 else 'ies'} in split(s) "
            f"{bad_splits} of statistics artifact {statistics.mlmd_id} (fail_on_anomalies is set):\n{lines}"
        )
