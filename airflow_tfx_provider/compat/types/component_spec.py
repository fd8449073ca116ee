"""``tfx.types.component_spec``: ``ComponentSpec``, ``ChannelParameter``, ``ExecutionParameter``."""

from airflow_tfx_provider.compat._class_components import ChannelParameter, ComponentSpec, ExecutionParameter

__all__ = ["ChannelParameter", "ComponentSpec", "ExecutionParameter"]
