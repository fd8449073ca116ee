"""Turn a list of TFX components into a scheduled Airflow DAG.

``plan`` holds the pure graph (validated and ordered without Airflow; importing it loads no
Airflow); ``render`` turns it into a DAG. ``create_pipeline_dag`` and
``pipeline_default_args`` are imported from ``render`` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.dag_factory.plan import PipelinePlan, build_plan

if TYPE_CHECKING:
    from airflow_tfx_provider.dag_factory.render import create_pipeline_dag, pipeline_default_args

__all__ = ["PipelinePlan", "build_plan", "create_pipeline_dag", "pipeline_default_args"]

_RENDER_NAMES = ("create_pipeline_dag", "pipeline_default_args")


def __getattr__(name: str) -> Any:
    """Load the Airflow-facing names lazily, so ``dag_factory.plan`` stays free of Airflow."""
    if name in _RENDER_NAMES:
        from airflow_tfx_provider.dag_factory import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
