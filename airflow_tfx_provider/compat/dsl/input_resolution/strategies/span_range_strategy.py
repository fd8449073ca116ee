"""``tfx.dsl.input_resolution.strategies.span_range_strategy``."""

from airflow_tfx_provider.compat.dsl.input_resolution.strategies import SpanRangeStrategy

__all__ = ["SpanRangeStrategy"]
