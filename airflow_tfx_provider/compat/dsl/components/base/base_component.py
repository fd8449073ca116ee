"""``tfx.dsl.components.base.base_component``: ``BaseComponent``."""

from airflow_tfx_provider.compat._class_components import BaseComponent

__all__ = ["BaseComponent"]
