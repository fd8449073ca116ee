"""TFX's artifact classes: ``tfx.types.Artifact``, ``standard_artifacts.*`` and value artifacts.

In a pipeline file a class names a type (``Channel(type=standard_artifacts.Model)``). In a
custom component's code an instance is one artifact, as TFX hands it to executors: ``uri``,
``id``, ``split_names``, ``span``, custom properties, and ``value`` for value artifacts. Here an
instance wraps the provider's ``ArtifactRef``, so what the code sets on an output is what the
launcher records in MLMD. Nothing here imports TensorFlow.

A custom artifact type is a subclass with ``TYPE_NAME`` (and optionally ``PROPERTIES``);
declaring it registers the type, as TFX does.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import (
    ARTIFACT_TYPES,
    VALUE_TYPES,
    ArtifactRef,
    ArtifactType,
    PropertyKind,
    artifact_type,
    register_artifact_type,
)


class PropertyType(enum.Enum):
    """TFX's ``tfx.types.artifact.PropertyType`` (the kinds MLMD stores)."""

    INT = PropertyKind.INT
    FLOAT = PropertyKind.DOUBLE
    STRING = PropertyKind.STRING


@dataclass(frozen=True)
class Property:
    """TFX's ``tfx.types.artifact.Property(type=PropertyType.INT)``: a declared property."""

    type: PropertyType


class Artifact:
    """One artifact (an instance) or an artifact type (the class, by its ``TYPE_NAME``)."""

    TYPE_NAME: ClassVar[str] = ""
    PROPERTIES: ClassVar[Mapping[str, Property]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("TYPE_NAME")
        if not name or name in ARTIFACT_TYPES:
            return
        properties = {key: _property_kind(cls, key, value) for key, value in cls.PROPERTIES.items()}
        try:
            register_artifact_type(ArtifactType(name, properties, cls.__doc__ or ""))
        except ValueError as err:
            raise PipelineDefinitionError(f"artifact class {cls.__qualname__}: {err}") from None

    def __init__(self, ref: ArtifactRef | None = None) -> None:
        if ref is None:
            if not self.TYPE_NAME:
                raise PipelineDefinitionError("tfx.types.Artifact needs a subclass with a TYPE_NAME")
            ref = ArtifactRef(type=self.TYPE_NAME, uri="")
        self._ref = ref

    @property
    def ref(self) -> ArtifactRef:
        """The provider's reference this artifact wraps."""
        return self._ref

    # --- identity ----------------------------------------------------------------------
    @property
    def type_name(self) -> str:
        return self._ref.type

    @property
    def uri(self) -> str:
        return self._ref.uri

    @uri.setter
    def uri(self, value: str) -> None:
        self._ref.uri = value

    @property
    def id(self) -> int:
        return self._ref.mlmd_id or 0

    # --- declared properties ---------------------------------------------------------
    @property
    def split_names(self) -> str:
        """TFX's JSON-encoded list of split names (``'["train", "eval"]'``)."""
        return str(self._ref.properties.get("split_names", "[]"))

    @split_names.setter
    def split_names(self, value: str) -> None:
        json.loads(value)  # TFX keeps it as JSON text; fail here, not when a reader decodes it
        self._ref.properties["split_names"] = value

    @property
    def span(self) -> int:
        return int(self._ref.properties.get("span", 0))

    @span.setter
    def span(self, value: int) -> None:
        self._ref.properties["span"] = int(value)

    @property
    def version(self) -> int:
        return int(self._ref.properties.get("version", 0))

    @version.setter
    def version(self, value: int) -> None:
        self._ref.properties["version"] = int(value)

    def has_property(self, key: str) -> bool:
        return key in artifact_type(self.type_name).properties and key in self._ref.properties

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        declared = artifact_type(self._ref.type).properties
        if key in declared:
            return self._ref.properties.get(key, _EMPTY[declared[key]])
        raise AttributeError(f"{type(self).__name__} artifact has no property {key!r}")

    def __setattr__(self, key: str, value: Any) -> None:
        declared = not key.startswith("_") and not hasattr(type(self), key)
        if declared and key in artifact_type(self._ref.type).properties:
            self._ref.properties[key] = value
        else:
            super().__setattr__(key, value)

    # --- custom properties -------------------------------------------------------------
    def has_custom_property(self, key: str) -> bool:
        return key in self._ref.properties and key not in artifact_type(self.type_name).properties

    def get_custom_property(self, key: str) -> Any:
        return self._ref.properties.get(key)

    def get_string_custom_property(self, key: str) -> str:
        return str(self._ref.properties.get(key, ""))

    def get_int_custom_property(self, key: str) -> int:
        return int(self._ref.properties.get(key, 0))

    def get_float_custom_property(self, key: str) -> float:
        return float(self._ref.properties.get(key, 0.0))

    def set_custom_property(self, key: str, value: int | float | str) -> None:
        if not isinstance(value, int | float | str) or isinstance(value, bool):
            raise TypeError(
                f"custom property {key!r}: MLMD stores int, float or str, got {type(value).__name__}"
            )
        self._ref.properties[key] = value

    def set_string_custom_property(self, key: str, value: str) -> None:
        self._ref.properties[key] = str(value)

    def set_int_custom_property(self, key: str, value: int) -> None:
        self._ref.properties[key] = int(value)

    def set_float_custom_property(self, key: str, value: float) -> None:
        self._ref.properties[key] = float(value)

    def __repr__(self) -> str:
        return f"Artifact(type_name={self.type_name!r}, uri={self.uri!r}, id={self.id})"


_EMPTY: dict[PropertyKind, Any] = {PropertyKind.INT: 0, PropertyKind.DOUBLE: 0.0, PropertyKind.STRING: ""}


def _property_kind(cls: type, key: str, declared: Any) -> PropertyKind:
    if isinstance(declared, Property) and isinstance(declared.type, PropertyType):
        return declared.type.value
    raise PipelineDefinitionError(
        f"artifact class {cls.__qualname__}: PROPERTIES[{key!r}] must be Property(type=PropertyType.INT/"
        f"FLOAT/STRING), got {declared!r}"
    )


#: The file a value artifact keeps its value in, under its folder.
VALUE_FILE = "value"


class ValueArtifact(Artifact):
    """TFX's ``ValueArtifact``: one small value, in ``<uri>/value``."""

    def __init__(self, ref: ArtifactRef | None = None) -> None:
        super().__init__(ref)
        self._value: Any = None
        self._has_value = False

    @property
    def value(self) -> Any:
        if not self._has_value:
            self._value = self.read()
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self.encode(value)  # a wrong kind fails where it is set
        self._value, self._has_value = value, True

    @property
    def has_value(self) -> bool:
        return self._has_value

    def read(self) -> Any:
        """The value stored in this artifact's folder."""
        path = os.path.join(self.uri, VALUE_FILE)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as err:
            raise FileNotFoundError(f"{self.type_name} artifact {self.uri}: no value file ({err})") from err
        self._value, self._has_value = self.decode(data), True
        return self._value

    def write(self) -> None:
        """Store the value set on this artifact in its folder (the launcher then publishes it)."""
        with open(os.path.join(self.uri, VALUE_FILE), "wb") as handle:
            handle.write(self.encode(self._value))
        shown = self._value if isinstance(self._value, int | float | str) else json.dumps(self._value)[:200]
        if not isinstance(self._value, bytes):
            self._ref.properties["value"] = shown if isinstance(shown, int | float) else str(shown)[:2000]

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError


_HOLDS = {"String": "a str", "Integer": "an int", "Float": "a float", "Boolean": "a bool", "Bytes": "bytes"}


def _check(kind: type | tuple[type, ...], value: Any, name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise TypeError(f"{name} artifact: holds {_HOLDS[name]}, got {type(value).__name__}: {value!r}")


class String(ValueArtifact):
    TYPE_NAME = "String"

    def encode(self, value: Any) -> bytes:
        _check(str, value, "String")
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")


class Integer(ValueArtifact):
    TYPE_NAME = "Integer"

    def encode(self, value: Any) -> bytes:
        _check(int, value, "Integer")
        return str(int(value)).encode()

    def decode(self, data: bytes) -> int:
        return int(data)


class Float(ValueArtifact):
    TYPE_NAME = "Float"

    def encode(self, value: Any) -> bytes:
        _check((int, float), value, "Float")
        return repr(float(value)).encode()

    def decode(self, data: bytes) -> float:
        return float(data)


class Boolean(ValueArtifact):
    TYPE_NAME = "Boolean"

    def encode(self, value: Any) -> bytes:
        _check(bool, value, "Boolean")
        return b"1" if value else b"0"

    def decode(self, data: bytes) -> bool:
        return data.strip() == b"1"


class Bytes(ValueArtifact):
    TYPE_NAME = "Bytes"

    def encode(self, value: Any) -> bytes:
        _check(bytes, value, "Bytes")
        return bytes(value)

    def decode(self, data: bytes) -> bytes:
        return data


class JsonValue(ValueArtifact):
    TYPE_NAME = "JsonValue"

    def encode(self, value: Any) -> bytes:
        try:
            return json.dumps(value, sort_keys=True).encode()
        except TypeError as err:
            raise TypeError(f"a JsonValue artifact holds JSON data: {err}") from None

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


_VALUE_CLASSES: dict[str, type[ValueArtifact]] = {
    c.TYPE_NAME: c for c in (String, Integer, Float, Boolean, Bytes, JsonValue)
}
assert set(_VALUE_CLASSES) == set(VALUE_TYPES), "a value type has no artifact class"


# --- TFX's standard artifact classes -----------------------------------------------------------


class Examples(Artifact):
    """TFX's ``standard_artifacts.Examples``."""

    TYPE_NAME = "Examples"


class ExampleStatistics(Artifact):
    """TFX's ``standard_artifacts.ExampleStatistics``."""

    TYPE_NAME = "ExampleStatistics"


class Schema(Artifact):
    """TFX's ``standard_artifacts.Schema``."""

    TYPE_NAME = "Schema"


class ExampleAnomalies(Artifact):
    """TFX's ``standard_artifacts.ExampleAnomalies``."""

    TYPE_NAME = "ExampleAnomalies"


class TransformGraph(Artifact):
    """TFX's ``standard_artifacts.TransformGraph``."""

    TYPE_NAME = "TransformGraph"


class TransformCache(Artifact):
    """TFX's ``standard_artifacts.TransformCache``."""

    TYPE_NAME = "TransformCache"


class Model(Artifact):
    """TFX's ``standard_artifacts.Model``."""

    TYPE_NAME = "Model"


class ModelRun(Artifact):
    """TFX's ``standard_artifacts.ModelRun``."""

    TYPE_NAME = "ModelRun"


class HyperParameters(Artifact):
    """TFX's ``standard_artifacts.HyperParameters``."""

    TYPE_NAME = "HyperParameters"


class TunerResults(Artifact):
    """TFX's ``standard_artifacts.TunerResults``."""

    TYPE_NAME = "TunerResults"


class ModelEvaluation(Artifact):
    """TFX's ``standard_artifacts.ModelEvaluation``."""

    TYPE_NAME = "ModelEvaluation"


class ModelBlessing(Artifact):
    """TFX's ``standard_artifacts.ModelBlessing``."""

    TYPE_NAME = "ModelBlessing"


class InfraBlessing(Artifact):
    """TFX's ``standard_artifacts.InfraBlessing``."""

    TYPE_NAME = "InfraBlessing"


class PushedModel(Artifact):
    """TFX's ``standard_artifacts.PushedModel``."""

    TYPE_NAME = "PushedModel"


class InferenceResult(Artifact):
    """TFX's ``standard_artifacts.InferenceResult``."""

    TYPE_NAME = "InferenceResult"


_ARTIFACT_CLASSES: tuple[type[Artifact], ...] = (
    Examples, ExampleStatistics, Schema, ExampleAnomalies, TransformGraph, TransformCache, Model, ModelRun,
    HyperParameters, TunerResults, ModelEvaluation, ModelBlessing, InfraBlessing, PushedModel,
    InferenceResult, *_VALUE_CLASSES.values(),
)  # fmt: skip
_STANDARD: dict[str, type[Artifact]] = {c.TYPE_NAME: c for c in _ARTIFACT_CLASSES}
assert set(_STANDARD) == set(ARTIFACT_TYPES), "a standard type has no artifact class"
standard_artifacts = SimpleNamespace(**_STANDARD)


def write_values(artifacts: Iterable[Artifact]) -> None:
    """Store the values an executor set on value artifacts in their (staged) folders."""
    for artifact in artifacts:
        if isinstance(artifact, ValueArtifact) and artifact.has_value:
            artifact.write()


def _all_subclasses(cls: type[Artifact]) -> list[type[Artifact]]:
    found = []
    for sub in cls.__subclasses__():
        found.extend([sub, *_all_subclasses(sub)])
    return found


def artifact_class(type_name: str) -> type[Artifact]:
    """The class for a type name: the standard one, or the custom class that declared it."""
    standard = getattr(standard_artifacts, type_name, None)
    if standard is not None:
        return standard  # type: ignore[no-any-return]
    for cls in reversed(_all_subclasses(Artifact)):
        if cls.__dict__.get("TYPE_NAME") == type_name:
            return cls
    artifact_type(type_name)  # raises, naming the known types
    return type(type_name, (Artifact,), {"TYPE_NAME": type_name})


def as_artifact(ref: ArtifactRef) -> Artifact:
    """The TFX artifact object for ``ref`` (sharing its properties)."""
    return artifact_class(ref.type)(ref)
