"""``tfx.types`` (and ``tfx.v1.types``): artifacts, channels, and the bases of custom components."""

from airflow_tfx_provider.compat._artifacts import Artifact, Property, PropertyType, ValueArtifact
from airflow_tfx_provider.compat._class_components import BaseBeamComponent, BaseComponent, ComponentSpec
from airflow_tfx_provider.compat._function_components import (
    BaseFunctionalComponent,
    BaseFunctionalComponentFactory,
)
from airflow_tfx_provider.compat._pipeline import BaseNode, Channel
from airflow_tfx_provider.compat.types import standard_artifacts

BaseChannel = Channel

__all__ = [
    "Artifact", "BaseBeamComponent", "BaseChannel", "BaseComponent", "BaseFunctionalComponent",
    "BaseFunctionalComponentFactory", "BaseNode", "Channel", "ComponentSpec", "Property", "PropertyType",
    "ValueArtifact", "standard_artifacts",
]  # fmt: skip
