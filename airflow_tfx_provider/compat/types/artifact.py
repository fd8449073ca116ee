"""``tfx.types.artifact``: ``Artifact``, ``Property``, ``PropertyType``."""

from airflow_tfx_provider.compat._artifacts import Artifact, Property, PropertyType

__all__ = ["Artifact", "Property", "PropertyType"]
