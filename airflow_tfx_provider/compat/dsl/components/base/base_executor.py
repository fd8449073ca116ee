"""``tfx.dsl.components.base.base_executor``: ``BaseExecutor``."""

from airflow_tfx_provider.compat._class_components import BaseExecutor

__all__ = ["BaseExecutor"]
