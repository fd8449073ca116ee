"""``tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy``."""

from airflow_tfx_provider.compat.dsl.input_resolution.strategies import LatestBlessedModelStrategy

__all__ = ["LatestBlessedModelStrategy"]
