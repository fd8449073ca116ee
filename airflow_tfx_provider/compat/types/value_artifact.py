"""``tfx.types.value_artifact``: ``ValueArtifact``."""

from airflow_tfx_provider.compat._artifacts import ValueArtifact

__all__ = ["ValueArtifact"]
