"""``tfx.dsl.components.base.executor_spec``: ``ExecutorClassSpec``, ``BeamExecutorSpec``
(``ExecutorContainerSpec`` fails, naming what to use instead)."""

from airflow_tfx_provider.compat._class_components import (
    BeamExecutorSpec,
    ExecutorClassSpec,
    ExecutorContainerSpec,
)

__all__ = ["BeamExecutorSpec", "ExecutorClassSpec", "ExecutorContainerSpec"]
