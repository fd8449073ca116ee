"""TFX's resolver strategy classes, mapped to this provider's Resolver strategies.

``SpanRangeStrategy`` takes ``config={"range_config": RangeConfig(...)}``.
"""

from airflow_tfx_provider.compat._pipeline import Strategy

LatestArtifactStrategy = Strategy("LatestArtifactStrategy", "latest_artifact")
LatestBlessedModelStrategy = Strategy("LatestBlessedModelStrategy", "latest_blessed_model")
SpanRangeStrategy = Strategy("SpanRangeStrategy", "span_range")

__all__ = ["LatestArtifactStrategy", "LatestBlessedModelStrategy", "SpanRangeStrategy"]
