"""``tfx.orchestration.pipeline``: ``Pipeline``."""

from airflow_tfx_provider.compat._pipeline import Pipeline

__all__ = ["Pipeline"]
