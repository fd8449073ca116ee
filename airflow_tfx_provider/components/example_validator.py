"""ExampleValidator: check statistics against a schema, and optionally for drift and skew.

Output layout (TFX 1.x): ``<anomalies.uri>/Split-<name>/SchemaDiff.pb``, a binary
``tensorflow_metadata`` ``Anomalies`` proto per processed split (empty ``anomaly_info`` when
the split is clean).

For each split, one ``tfdv.validate_statistics`` call checks the split's statistics against the
schema and, when configured, against two control data sets:

- **drift** (``drift_thresholds``): the same split of ``previous_statistics`` (the previous
  span's statistics). Without ``previous_statistics`` drift is skipped, saying so in the log.
- **skew** (``skew_thresholds``): the ``train`` split of ``statistics`` (train/eval skew). Every
  other split is compared with it through TFDV's ``serving_statistics`` mechanism and the
  schema's ``skew_comparator`` (the split being validated plays TFDV's "current" data, ``train``
  the control; both measures are symmetric). ``train`` is used as the baseline even if it is
  in ``exclude_splits``.

Thresholds are a dict feature name -> threshold. The comparator is chosen from the feature's
type in the schema: the L-infinity distance for string (BYTES) and categorical INT features,
the Jensen-Shannon divergence for numeric (FLOAT, INT) ones. They are set on a copy of the
schema (``drift_comparator`` / ``skew_comparator``); comparators already present in the schema
are kept and also apply.

``fail_on_anomalies`` raises ``AnomaliesFoundError`` (listing split, feature, description)
after every split is validated and written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.components import example_io, tfdv_io
from airflow_tfx_provider.components.base import (
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import (
    AnomaliesFoundError,
    InvalidInputDataError,
    PipelineDefinitionError,
)
from airflow_tfx_provider.types import EXAMPLE_ANOMALIES, EXAMPLE_STATISTICS, SCHEMA

if TYPE_CHECKING:
    from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

log = logging.getLogger(__name__)

_NAME = "ExampleValidator"
TRAIN_SPLIT = "train"


def validate_example_validator_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    tfdv_io.check_exclude_splits(params, _NAME)
    fail = params.get("fail_on_anomalies", False)
    if not isinstance(fail, bool):
        raise PipelineDefinitionError(f"{_NAME}: fail_on_anomalies must be a bool, got {fail!r}")
    tfdv_io.check_thresholds(params, "drift_thresholds", _NAME)
    tfdv_io.check_thresholds(params, "skew_thresholds", _NAME)


# --- comparators ------------------------------------------------------------------------------
def _is_categorical(feature: schema_pb2.Feature, schema: schema_pb2.Schema) -> bool:
    from tensorflow_metadata.proto.v0 import schema_pb2

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
    from tensorflow_metadata.proto.v0 import schema_pb2

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
def run_example_validator(
    inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo
) -> None:
    """Executor: validate every selected split, write ``SchemaDiff.pb``, report (and maybe fail)."""
    import tensorflow_data_validation as tfdv

    statistics = tfdv_io.single_input(inputs, "statistics")
    schema_ref = tfdv_io.single_input(inputs, "schema")
    previous = tfdv_io.optional_input(inputs, "previous_statistics")
    target = tfdv_io.single_output(outputs, "anomalies")

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

    schema = tfdv_io.load_schema(schema_ref)  # a fresh message: safe to add comparators to
    if drift_thresholds:
        apply_thresholds(schema, drift_thresholds, "drift")
    if skew_thresholds:
        apply_thresholds(schema, skew_thresholds, "skew")
    drift_configured = any(f.HasField("drift_comparator") for f in schema.feature)
    skew_configured = any(f.HasField("skew_comparator") for f in schema.feature)

    # drift: the previous span's statistics, split by split
    use_previous = False
    if drift_configured and previous is None:
        log.info("drift detection skipped: there is no previous span (input previous_statistics is empty)")
    elif previous is not None and not drift_configured:
        log.info("previous_statistics given but no drift threshold configured: no drift check")
    elif previous is not None:
        use_previous = True
        log.info("drift: comparing with previous statistics %s (%s)", previous.mlmd_id, previous.uri)

    # skew: the train split is the baseline
    train_stats: statistics_pb2.DatasetFeatureStatisticsList | None = None
    if skew_configured:
        if TRAIN_SPLIT in statistics.split_names:
            train_stats = tfdv_io.load_statistics(statistics, TRAIN_SPLIT)
            log.info("skew: comparing every other split with split %r", TRAIN_SPLIT)
        else:
            log.warning(
                "skew detection skipped: statistics artifact %s has no %r split (it has %s)",
                statistics.mlmd_id,
                TRAIN_SPLIT,
                statistics.split_names,
            )

    report: list[tuple[str, str, str]] = []
    for split in splits:
        stats = train_stats if split == TRAIN_SPLIT and train_stats is not None else None
        if stats is None:
            stats = tfdv_io.load_statistics(statistics, split)
        previous_stats = None
        if use_previous and previous is not None:
            if split in previous.split_names:
                previous_stats = tfdv_io.load_statistics(previous, split)
            else:
                log.warning(
                    "split %r: drift check skipped, previous statistics have no such split (they have %s)",
                    split,
                    previous.split_names,
                )
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
        report.extend((split, feature, desc) for feature, desc in found)

    tfdv_io.copy_span(statistics, target)
    target.split_names = splits

    if report and params.get("fail_on_anomalies", False):
        bad_splits = sorted({split for split, _, _ in report})
        lines = "\n".join(f"  {split}: {feature}: {desc}" for split, feature, desc in report)
        raise AnomaliesFoundError(
            f"{_NAME} found {len(report)} anomal{'y' if len(report) == 1 else 'ies'} in split(s) "
            f"{bad_splits} of statistics artifact {statistics.mlmd_id} (fail_on_anomalies is set):\n{lines}"
        )


ExampleValidatorSpec = ComponentSpec(
    name=_NAME,
    default_id="example_validator",
    inputs={
        "statistics": InputSpec(EXAMPLE_STATISTICS, doc="statistics to validate"),
        "schema": InputSpec(SCHEMA, doc="the schema to validate against"),
        "previous_statistics": InputSpec(
            EXAMPLE_STATISTICS, optional=True, doc="the previous span's statistics, for drift detection"
        ),
    },
    outputs={"anomalies": OutputSpec(EXAMPLE_ANOMALIES, doc="Split-<name>/SchemaDiff.pb per split")},
    parameters={
        "exclude_splits": Parameter([], "names of splits not to validate"),
        "fail_on_anomalies": Parameter(
            False, "fail the task (AnomaliesFoundError) if any split has anomalies"
        ),
        "drift_thresholds": Parameter(
            None,
            "feature -> threshold vs previous_statistics (L-infinity for categorical, "
            "Jensen-Shannon divergence for numeric features)",
        ),
        "skew_thresholds": Parameter(
            None,
            "feature -> threshold of every split vs the train split (L-infinity for categorical, "
            "Jensen-Shannon divergence for numeric features)",
        ),
    },
    executor=run_example_validator,
    validate_parameters=validate_example_validator_parameters,
)
