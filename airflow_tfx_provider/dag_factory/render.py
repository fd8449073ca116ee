"""Render a validated component list as an Airflow DAG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import DAG

from airflow_tfx_provider.dag_factory.plan import build_plan
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator, default_pipeline_root


def create_pipeline_dag(
    *,
    dag_id: str,
    components: Sequence[PipelineTaskOperator],
    schedule: Any = None,
    start_date: dt.datetime | None = None,
    pipeline_root: str | None = None,
    metadata_conn_id: str | None = None,
    enable_cache: bool = True,
    beam_pipeline_args: Sequence[str] | None = None,
    default_args: Mapping[str, Any] | None = None,
    **dag_kwargs: Any,
) -> DAG:
    """Build an Airflow DAG from TFX components created outside a ``with DAG`` block.

    Pipeline-wide settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``) and ``default_args`` apply to every component that did not set
    them itself. Further keyword arguments go to ``DAG`` (``catchup``, ``tags``, ...).
    """
    for component in components:
        if not isinstance(component, PipelineTaskOperator):
            raise PipelineDefinitionError(
                f"create_pipeline_dag: {component!r} is not a TFX component operator of this provider"
            )
        if component.has_dag():
            raise PipelineDefinitionError(
                f"component {component.task_id!r} already belongs to DAG {component.dag_id!r}; create it "
                "outside any `with DAG(...)` block when using create_pipeline_dag"
            )
    plan = build_plan(components)
    by_id = {c.task_id: c for c in components}
    dag_kwargs.setdefault("catchup", False)
    dag = DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date,
        default_args=dict(default_args or {}),
        **dag_kwargs,
    )
    root = pipeline_root or default_pipeline_root(dag_id)
    for node_id in plan.order:
        component = by_id[node_id]
        _apply_pipeline_settings(component, root, metadata_conn_id, enable_cache, beam_pipeline_args)
        _apply_default_args(component, default_args or {})
        dag.add_task(component)
    for node_id in plan.order:
        by_id[node_id].wire_inputs()
    return dag


def _apply_pipeline_settings(
    component: PipelineTaskOperator,
    root: str,
    metadata_conn_id: str | None,
    enable_cache: bool,
    beam_pipeline_args: Sequence[str] | None,
) -> None:
    if component.pipeline_root is None:
        component.pipeline_root = root
    if component.metadata_conn_id is None:
        component.metadata_conn_id = metadata_conn_id
    if component.enable_cache is None:
        component.enable_cache = enable_cache
    elif not enable_cache:
        component.enable_cache = False  # the DAG-wide switch turns caching off everywhere
    if component.beam_pipeline_args is None and beam_pipeline_args is not None:
        component.beam_pipeline_args = list(beam_pipeline_args)


def _apply_default_args(component: PipelineTaskOperator, default_args: Mapping[str, Any]) -> None:
    """Give ``default_args`` to a component built outside the DAG, unless it set them itself."""
    given = getattr(component, "_BaseOperator__init_kwargs", {})
    for key, value in default_args.items():
        if key not in given and hasattr(component, key):
            setattr(component, key, value)
