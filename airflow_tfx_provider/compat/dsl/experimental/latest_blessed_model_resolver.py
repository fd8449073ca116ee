"""``tfx.dsl.experimental.latest_blessed_model_resolver``: TFX's older name of the strategy."""

from airflow_tfx_provider.compat._pipeline import Strategy

LatestBlessedModelResolver = Strategy("LatestBlessedModelResolver", "latest_blessed_model")

__all__ = ["LatestBlessedModelResolver"]
