"""Schema and ExampleAnomalies for the UI.

SchemaGen writes ``<uri>/schema.pbtxt`` (text format), ExampleValidator
``<uri>/Split-<split>/SchemaDiff.pb`` (a binary ``Anomalies``), as in
``components/_artifacts/data_validation.py``; the loaders here read them without TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.ui.data import _files

if TYPE_CHECKING:
    from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

SCHEMA_FILE_NAME = "schema.pbtxt"  # = components._artifacts.data_validation.SCHEMA_FILE_NAME
ANOMALIES_FILE_NAME = "SchemaDiff.pb"  # = components._artifacts.data_validation.ANOMALIES_FILE_NAME
DATASET = "<dataset>"  # the feature column of an anomaly about the whole split
MAX_DOMAIN_VALUES = 50


@dataclass(frozen=True)
class SchemaRow:
    name: str
    type: str
    presence: str
    valency: str
    domain: str
    domain_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnomalyRow:
    split: str
    feature: str
    short: str
    description: str
    severity: str


@dataclass(frozen=True)
class DriftSkewRow:
    """One drift (vs the previous span) or skew (vs train) measurement and its threshold."""

    split: str
    feature: str
    kind: str
    measure: str
    value: float
    threshold: float

    @property
    def exceeded(self) -> bool:
        return self.value > self.threshold


def _pb() -> tuple[Any, Any]:
    from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

    return schema_pb2, anomalies_pb2


def _presence(feature: Any) -> str:
    if feature.HasField("group_presence"):
        return "required in its group" if feature.group_presence.required else "optional in its group"
    if not feature.HasField("presence"):
        return "optional"
    presence = feature.presence
    if presence.min_fraction >= 1.0:
        return "required"
    bounds = []
    if presence.min_fraction > 0:
        bounds.append(f"in ≥ {presence.min_fraction:.0%} of examples")
    if presence.min_count > 0:
        bounds.append(f"in ≥ {presence.min_count} examples")
    return "optional" + (f" ({', '.join(bounds)})" if bounds else "")


def _valency(feature: Any) -> str:
    kind = feature.WhichOneof("shape_type")
    if kind == "shape":
        dims = [d.size for d in feature.shape.dim]
        return "single" if dims == [1] else "scalar" if not dims else f"shape {dims}"
    if kind == "value_count":
        low = feature.value_count.min if feature.value_count.HasField("min") else 0
        high = feature.value_count.max if feature.value_count.HasField("max") else None
        if low == high == 1:
            return "single"
        return f"{low}\u2013{high if high is not None else '∞'} values"
    if kind == "value_counts":
        return f"nested ({len(feature.value_counts.value_count)} levels)"
    return "any"


def _range(domain: Any) -> str:
    low = str(domain.min) if domain.HasField("min") else "-∞"
    high = str(domain.max) if domain.HasField("max") else "∞"
    return f"[{low}, {high}]"


def _domain(feature: Any, schema: Any) -> tuple[str, tuple[str, ...]]:
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":  # a schema-level domain, by name
        for field, label in (("string_domain", "values"), ("int_domain", "int"), ("float_domain", "float")):
            for domain in getattr(schema, field):
                if domain.name == feature.domain:
                    return _describe(field, domain, label, feature.domain)
        return f"{feature.domain} (not in the schema)", ()
    if kind in ("string_domain", "int_domain", "float_domain"):
        return _describe(kind, getattr(feature, kind), {"string_domain": "values"}.get(kind, kind[:-7]), None)
    if kind is None:
        return "-", ()
    return kind.removesuffix("_domain").replace("_", " "), ()


def _describe(field: str, domain: Any, label: str, name: str | None) -> tuple[str, tuple[str, ...]]:
    prefix = f"{name}: " if name else ""
    if field == "string_domain":
        values = tuple(domain.value)
        return f"{prefix}{len(values)} values", values[:MAX_DOMAIN_VALUES]
    text = f"{prefix}{label} {_range(domain)}"
    if field == "int_domain" and domain.is_categorical:
        text += " categorical"
    return text, ()


def schema_rows(schema: schema_pb2.Schema) -> list[SchemaRow]:
    """One row per top-level feature, in the schema's order."""
    schema_pb2, _ = _pb()
    rows = []
    for feature in schema.feature:
        domain, values = _domain(feature, schema)
        rows.append(
            SchemaRow(
                name=feature.name,
                type=schema_pb2.FeatureType.Name(feature.type),
                presence=_presence(feature),
                valency=_valency(feature),
                domain=domain,
                domain_values=values,
            )
        )
    return rows


def _rows_of(split: str, feature: str, info: Any) -> list[AnomalyRow]:
    _, anomalies_pb2 = _pb()
    severity = anomalies_pb2.AnomalyInfo.Severity.Name(info.severity)
    if len(info.reason) > 1:  # one row per reason: TFDV's summary then reads "Multiple errors"
        return [AnomalyRow(split, feature, r.short_description, r.description, severity) for r in info.reason]
    return [AnomalyRow(split, feature, info.short_description, info.description, severity)]


def anomaly_rows(anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies]) -> list[AnomalyRow]:
    """Every anomaly of every split: the split's own (no data, dataset-level) first, then by feature."""
    rows: list[AnomalyRow] = []
    for split, anomalies in anomalies_by_split.items():
        if anomalies.data_missing:
            rows.append(AnomalyRow(split, DATASET, "No data", "The split holds no examples", "ERROR"))
        info = anomalies.dataset_anomaly_info
        if anomalies.HasField("dataset_anomaly_info") and (info.reason or info.description):
            rows.extend(_rows_of(split, DATASET, info))
        for feature in sorted(anomalies.anomaly_info):
            rows.extend(_rows_of(split, feature, anomalies.anomaly_info[feature]))
    return rows


def drift_skew_rows(anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies]) -> list[DriftSkewRow]:
    """The drift and skew measurements TFDV recorded (also those within their threshold)."""
    _, anomalies_pb2 = _pb()
    names = anomalies_pb2.DriftSkewInfo.Measurement.Type
    rows = []
    for split, anomalies in anomalies_by_split.items():
        for info in anomalies.drift_skew_info:
            feature = ".".join(info.path.step)
            for kind, measurements in (("drift", info.drift_measurements), ("skew", info.skew_measurements)):
                for m in measurements:
                    rows.append(DriftSkewRow(split, feature, kind, names.Name(m.type), m.value, m.threshold))
    return rows


def load_schema(uri: str) -> schema_pb2.Schema:
    """The schema of a Schema artifact (``<uri>/schema.pbtxt``)."""
    from google.protobuf import text_format

    schema_pb2, _ = _pb()
    path = _files.join(uri, SCHEMA_FILE_NAME)
    data = _files.read_bytes(path, "schema")
    schema = schema_pb2.Schema()
    try:
        text_format.Parse(data.decode("utf-8"), schema)
    except (UnicodeDecodeError, text_format.ParseError) as err:
        raise _files.ArtifactDataInvalid(f"{path} is not a text-format Schema: {err}") from err
    return schema


def load_split_anomalies(
    uri: str, split_names: Sequence[str] | None = None
) -> dict[str, anomalies_pb2.Anomalies]:
    """split -> anomalies of an ExampleAnomalies artifact (every ``Split-*`` folder by default)."""
    _, anomalies_pb2 = _pb()
    folders = _files.split_folders(uri, list(split_names) if split_names is not None else None)
    loaded: dict[str, Any] = {}
    for split, folder in folders.items():
        path = _files.join(folder, ANOMALIES_FILE_NAME)
        data = _files.read_bytes(path, f"anomalies of split {split!r}")
        try:
            loaded[split] = anomalies_pb2.Anomalies.FromString(data)
        except Exception as err:  # protobuf's DecodeError
            raise _files.ArtifactDataInvalid(f"{path} is not a binary Anomalies proto: {err}") from err
    return loaded
