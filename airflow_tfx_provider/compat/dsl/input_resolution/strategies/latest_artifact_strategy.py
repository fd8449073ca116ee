"""``tfx.dsl.input_resolution.strategies.latest_artifact_strategy``."""

from airflow_tfx_provider.compat.dsl.input_resolution.strategies import LatestArtifactStrategy

__all__ = ["LatestArtifactStrategy"]
