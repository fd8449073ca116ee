"""``tfx.dsl.components.base.base_beam_executor``: ``BaseBeamExecutor``."""

from airflow_tfx_provider.compat._class_components import BaseBeamExecutor

__all__ = ["BaseBeamExecutor"]
