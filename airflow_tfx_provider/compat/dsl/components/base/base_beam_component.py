"""``tfx.dsl.components.base.base_beam_component``: ``BaseBeamComponent``."""

from airflow_tfx_provider.compat._class_components import BaseBeamComponent

__all__ = ["BaseBeamComponent"]
