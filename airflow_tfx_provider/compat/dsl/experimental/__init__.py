"""``tfx.dsl.experimental`` (and ``tfx.v1.dsl.experimental``): the resolver strategies."""

from airflow_tfx_provider.compat.dsl.input_resolution.strategies import (
    LatestArtifactStrategy,
    LatestBlessedModelStrategy,
    SpanRangeStrategy,
)

__all__ = ["LatestArtifactStrategy", "LatestBlessedModelStrategy", "SpanRangeStrategy"]
