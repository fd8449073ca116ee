"""``tfx.dsl.experimental.latest_artifacts_resolver``: TFX's older name of the strategy."""

from airflow_tfx_provider.compat._pipeline import Strategy

LatestArtifactsResolver = Strategy("LatestArtifactsResolver", "latest_artifact")

__all__ = ["LatestArtifactsResolver"]
