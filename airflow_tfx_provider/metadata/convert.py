"""Conversion between ``ArtifactRef`` and MLMD ``Artifact`` protos (imports MLMD lazily)."""

from __future__ import annotations

from typing import Any

from ml_metadata.proto import metadata_store_pb2

from airflow_tfx_provider.types import (
    ArtifactRef,
    ArtifactType,
    PropertyKind,
    artifact_type,
    register_artifact_type,
)


def set_value(value_proto: Any, value: Any, kind: PropertyKind | None = None) -> None:
    """Store a Python value in an MLMD ``Value`` (bools as ints, as TFX does)."""
    if kind is PropertyKind.INT or (kind is None and isinstance(value, bool | int)):
        value_proto.int_value = int(value)
    elif kind is PropertyKind.DOUBLE or (kind is None and isinstance(value, float)):
        value_proto.double_value = float(value)
    else:
        value_proto.string_value = str(value)


def get_value(value_proto: Any) -> int | float | str:
    which = value_proto.WhichOneof("value")
    if which == "int_value":
        return int(value_proto.int_value)
    if which == "double_value":
        return float(value_proto.double_value)
    if which == "bool_value":
        return int(value_proto.bool_value)
    return str(getattr(value_proto, which)) if which else ""


def fill_artifact_proto(proto: metadata_store_pb2.Artifact, ref: ArtifactRef) -> None:
    """Write ``ref``'s URI and properties into ``proto`` (declared vs custom by the type)."""
    declared = artifact_type(ref.type).properties
    proto.uri = ref.uri
    for name, value in ref.properties.items():
        if name in declared:
            set_value(proto.properties[name], value, declared[name])
        else:
            set_value(proto.custom_properties[name], value)


def ref_from_proto(proto: metadata_store_pb2.Artifact, type_name: str) -> ArtifactRef:
    props: dict[str, Any] = {k: get_value(v) for k, v in proto.custom_properties.items()}
    props.update({k: get_value(v) for k, v in proto.properties.items()})
    return ArtifactRef(type=type_name, uri=proto.uri, mlmd_id=proto.id, properties=props)


_KINDS = {
    metadata_store_pb2.INT: PropertyKind.INT,
    metadata_store_pb2.DOUBLE: PropertyKind.DOUBLE,
    metadata_store_pb2.STRING: PropertyKind.STRING,
}


def know_type(type_proto: metadata_store_pb2.ArtifactType) -> None:
    """Make a type read from the store known to this process.

    A custom component's artifact type is registered when the DAG file declaring it is parsed;
    a process that reads the store without parsing it (the ``airflow tfx`` commands, the UI)
    takes the type as MLMD recorded it.
    """
    try:
        artifact_type(type_proto.name)
    except KeyError:
        kinds = {k: _KINDS.get(v, PropertyKind.STRING) for k, v in type_proto.properties.items()}
        register_artifact_type(ArtifactType(type_proto.name, kinds, type_proto.description))
