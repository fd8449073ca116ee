"""TFX's artifact types, with the names and properties TFX registers in MLMD.

Keeping TFX's names means an MLMD store written by this provider reads like one
written by TFX, and TFX tooling (and people used to it) find what they expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class PropertyKind(StrEnum):
    """The MLMD value kind of a declared artifact property."""

    INT = "int"
    DOUBLE = "double"
    STRING = "string"


@dataclass(frozen=True)
class ArtifactType:
    """An MLMD artifact type: its name and its declared (non-custom) properties."""

    name: str
    properties: Mapping[str, PropertyKind] = field(default_factory=dict)
    description: str = ""


_SPAN_SPLITS = {"span": PropertyKind.INT, "split_names": PropertyKind.STRING}

EXAMPLES = ArtifactType(
    "Examples",
    {"span": PropertyKind.INT, "version": PropertyKind.INT, "split_names": PropertyKind.STRING},
    "gzipped TFRecords of tf.Example under Split-<name>/",
)
EXAMPLE_STATISTICS = ArtifactType("ExampleStatistics", _SPAN_SPLITS, "Split-<name>/FeatureStats.pb")
SCHEMA = ArtifactType("Schema", {}, "schema.pbtxt")
EXAMPLE_ANOMALIES = ArtifactType("ExampleAnomalies", _SPAN_SPLITS, "Split-<name>/SchemaDiff.pb")
TRANSFORM_GRAPH = ArtifactType("TransformGraph", {}, "transform_fn/, transformed_metadata/")
TRANSFORM_CACHE = ArtifactType("TransformCache", {}, "TFT analyzer cache")
MODEL = ArtifactType("Model", {}, "SavedModel under Format-Serving/")
MODEL_RUN = ArtifactType("ModelRun", {}, "TensorBoard logs of a training run")
HYPER_PARAMETERS = ArtifactType("HyperParameters", {}, "best_hyperparameters.txt (JSON)")
TUNER_RESULTS = ArtifactType("TunerResults", {}, "tuner search results")
MODEL_EVALUATION = ArtifactType("ModelEvaluation", {}, "TFMA output files")
MODEL_BLESSING = ArtifactType("ModelBlessing", {}, "BLESSED or NOT_BLESSED marker file")
INFRA_BLESSING = ArtifactType("InfraBlessing", {}, "INFRA_BLESSED or INFRA_NOT_BLESSED marker file")
PUSHED_MODEL = ArtifactType("PushedModel", {}, "where and which version a model was pushed")
INFERENCE_RESULT = ArtifactType("InferenceResult", {}, "TFRecords of PredictionLog")

#: TFX's value artifacts: one small value in the file ``<uri>/value`` (also recorded in MLMD as
#: the custom property ``value``), what Python-function components return.
STRING = ArtifactType("String", {}, "a str in <uri>/value")
INTEGER = ArtifactType("Integer", {}, "an int in <uri>/value")
FLOAT = ArtifactType("Float", {}, "a float in <uri>/value")
BOOLEAN = ArtifactType("Boolean", {}, "a bool in <uri>/value")
BYTES = ArtifactType("Bytes", {}, "bytes in <uri>/value")
JSON_VALUE = ArtifactType("JsonValue", {}, "a JSON document in <uri>/value")
VALUE_TYPES: Mapping[str, ArtifactType] = {
    t.name: t for t in (STRING, INTEGER, FLOAT, BOOLEAN, BYTES, JSON_VALUE)
}

#: TFX's standard artifact types, by name.
ARTIFACT_TYPES: Mapping[str, ArtifactType] = {
    t.name: t
    for t in (
        EXAMPLES,
        EXAMPLE_STATISTICS,
        SCHEMA,
        EXAMPLE_ANOMALIES,
        TRANSFORM_GRAPH,
        TRANSFORM_CACHE,
        MODEL,
        MODEL_RUN,
        HYPER_PARAMETERS,
        TUNER_RESULTS,
        MODEL_EVALUATION,
        MODEL_BLESSING,
        INFRA_BLESSING,
        PUSHED_MODEL,
        INFERENCE_RESULT,
        *VALUE_TYPES.values(),
    )
}

#: Types that custom components declare (``class MyArtifact(tfx.types.Artifact)``), registered
#: when the class is created, i.e. when the DAG file that declares them is parsed.
_CUSTOM_TYPES: dict[str, ArtifactType] = {}


def register_artifact_type(new: ArtifactType) -> ArtifactType:
    """Make a custom artifact type known to this process; the same declaration twice is fine.

    Raises ``ValueError`` when the name is a standard type's or was registered with other
    properties (two different artifact classes under one MLMD type name).
    """
    if new.name in ARTIFACT_TYPES:
        raise ValueError(
            f"artifact type {new.name!r} is one of TFX's standard types; choose another TYPE_NAME"
        )
    known = _CUSTOM_TYPES.setdefault(new.name, new)
    if dict(known.properties) != dict(new.properties):
        raise ValueError(
            f"artifact type {new.name!r} is declared twice with different properties: "
            f"{dict(known.properties)} and {dict(new.properties)}"
        )
    return known


def artifact_type(name: str) -> ArtifactType:
    """Return the standard or registered type called ``name``; raise ``KeyError`` naming the known types."""
    found = ARTIFACT_TYPES.get(name) or _CUSTOM_TYPES.get(name)
    if found is None:
        known = ", ".join(sorted([*ARTIFACT_TYPES, *_CUSTOM_TYPES]))
        raise KeyError(f"unknown artifact type {name!r}; known types: {known}")
    return found
