"""Render a component list as an Airflow DAG (the only part of the factory that imports Airflow)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow.sdk import DAG

from airflow_tfx_provider.dag_factory.plan import PipelinePlan, build_plan
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator

ComponentBuilder = Callable[[], Sequence[PipelineTaskOperator | None]]


def pipeline_default_args(
    *,
    pipeline_root: str | None = None,
    metadata_conn_id: str | None = None,
    metadata_path: str | None = None,
    enable_cache: bool = True,
    beam_pipeline_args: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The pipeline settings as ``default_args`` entries (only those that are set).

    Every TFX operator takes them as keyword arguments, so Airflow hands them to each component
    built inside the DAG; a component's own argument wins. Use it for a hand-written DAG too:
    ``DAG(..., default_args={**pipeline_default_args(pipeline_root="/data/tfx"), "retries": 1})``.
    """
    settings: dict[str, Any] = {"enable_cache": enable_cache}
    if pipeline_root is not None:
        settings["pipeline_root"] = pipeline_root
    if metadata_conn_id is not None:
        settings["metadata_conn_id"] = metadata_conn_id
    if metadata_path is not None:
        settings["metadata_path"] = metadata_path
    if beam_pipeline_args is not None:
        settings["beam_pipeline_args"] = list(beam_pipeline_args)
    return settings


def create_pipeline_dag(
    *,
    dag_id: str,
    components: ComponentBuilder,
    schedule: Any = None,
    start_date: dt.datetime | None = None,
    pipeline_root: str | None = None,
    metadata_conn_id: str | None = None,
    metadata_path: str | None = None,
    enable_cache: bool = True,
    beam_pipeline_args: Sequence[str] | None = None,
    default_args: Mapping[str, Any] | None = None,
    **dag_kwargs: Any,
) -> DAG:
    """Build an Airflow DAG from a function that builds the pipeline's TFX components.

    ``components`` is called inside the DAG, so the pipeline-wide settings (``pipeline_root``,
    ``metadata_conn_id`` or ``metadata_path``, ``enable_cache``, ``beam_pipeline_args``) and
    ``default_args`` reach every component when it is constructed, as Airflow's ``default_args``
    do; a component's own argument wins. It returns the components (``None`` entries are
    skipped, for optional ones).
    The list is checked as a plan (no duplicates, no input from a component missing from the
    list, no cycle) and its edges become the task dependencies. Further keyword arguments go to
    ``DAG`` (``catchup``, ``tags``, ...); ``catchup`` defaults to False.
    """
    if not callable(components):
        raise PipelineDefinitionError(
            f"create_pipeline_dag({dag_id!r}): components must be a function that builds and returns the "
            f"components (e.g. components=build_components), so that pipeline settings reach them when they "
            f"are constructed; got {type(components).__name__}"
        )
    settings = pipeline_default_args(
        pipeline_root=pipeline_root,
        metadata_conn_id=metadata_conn_id,
        metadata_path=metadata_path,
        enable_cache=enable_cache,
        beam_pipeline_args=beam_pipeline_args,
    )
    dag_kwargs.setdefault("catchup", False)
    dag = DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date,
        default_args={**dict(default_args or {}), **settings},
        **dag_kwargs,
    )
    with dag:
        built = [c for c in components() if c is not None]
    _check_built(dag, built)
    plan = build_plan(built)
    _check_all_returned(dag, built)
    _apply_plan(plan, {c.task_id: c for c in built})
    return dag


def _check_built(dag: DAG, built: Sequence[Any]) -> None:
    for component in built:
        if not isinstance(component, PipelineTaskOperator):
            raise PipelineDefinitionError(
                f"create_pipeline_dag({dag.dag_id!r}): {component!r} is not a TFX component operator "
                "of this provider"
            )
        if not component.has_dag() or component.dag is not dag:
            raise PipelineDefinitionError(
                f"component {component.task_id!r} was not built by the components function of DAG "
                f"{dag.dag_id!r}; construct every component inside that function"
            )


def _check_all_returned(dag: DAG, built: Sequence[PipelineTaskOperator]) -> None:
    returned = {c.task_id for c in built}
    forgotten = sorted(set(dag.task_ids) - returned)
    if forgotten:
        raise PipelineDefinitionError(
            f"create_pipeline_dag({dag.dag_id!r}): the components function built {forgotten} but did not "
            "return them; return every component it builds"
        )


def _apply_plan(plan: PipelinePlan, by_id: Mapping[str, PipelineTaskOperator]) -> None:
    """Make the plan's edges the task dependencies (components also wire themselves; this is idempotent)."""
    for upstream, downstream in plan.edges:
        by_id[downstream].set_upstream(by_id[upstream])
