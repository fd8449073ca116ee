"""TFX's resolver strategy classes, mapped to this provider's Resolver strategies.

``SpanRangeStrategy`` is named so that a pipeline using it fails when the DAG file is parsed,
saying so, rather than at import.
"""

from airflow_tfx_provider.compat._pipeline import Strategy

LatestArtifactStrategy = Strategy("LatestArtifactStrategy", "latest_artifact")
LatestBlessedModelStrategy = Strategy("LatestBlessedModelStrategy", "latest_blessed_model")
SpanRangeStrategy = Strategy("SpanRangeStrategy", None)

__all__ = ["LatestArtifactStrategy", "LatestBlessedModelStrategy", "SpanRangeStrategy"]
