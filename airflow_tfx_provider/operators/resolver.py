"""``ResolverOperator``: choose existing artifacts from MLMD (TFX's Resolver node)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Context

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators.component import prepare_tensorflow_environment
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.operators.wiring import OutputRef
from airflow_tfx_provider.runtime.artifact_query import STRATEGY_NAMES, ArtifactQuery, check_range_config


class ResolverOperator(PipelineTaskOperator):
    """Resolve artifacts by strategy; each keyword argument becomes an output of that name.

    Strategies:

    - ``"latest_artifact"`` (TFX's LatestArtifactStrategy): the newest LIVE artifact for
      each ``ArtifactQuery(type=..., producer_task_id=...)``, or for each upstream output
      (``task.outputs[...]``: the newest artifact that task produced in any run);
    - ``"previous_span"``: given an upstream output (the current artifact), the newest
      artifact from the same task with a smaller span, e.g. last span's statistics for
      drift detection;
    - ``"latest_blessed_model"`` (TFX's LatestBlessedModelStrategy): the newest LIVE Model
      blessed by a ModelBlessing (``ArtifactQuery(type="Model", producer_task_id="trainer")``),
      the Evaluator's baseline;
    - ``"span_range"`` (TFX's SpanRangeStrategy): the artifacts of the spans ``range_config``
      names, one per span (highest version), in span order: ``{"static_range":
      {"start_span_number": 3, "end_span_number": 5}}`` or ``{"rolling_range": {"num_spans": 3}}``
      (the 3 newest spans; also ``start_span_number``, ``skip_num_recent_spans``). Transform
      analyzes and transforms such a list of Examples together.

    Example: ``ResolverOperator(task_id="previous_statistics", strategy="previous_span",
    statistics=statistics_gen.outputs["statistics"])``.
    """

    ui_color = "#f3e8fd"

    def __init__(
        self,
        *,
        strategy: str = "latest_artifact",
        range_config: Mapping[str, Any] | None = None,
        task_id: str = "resolver",
        pipeline_root: str | None = None,
        metadata_conn_id: str | None = None,
        enable_cache: bool | None = None,
        beam_pipeline_args: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        sources = {k: kwargs.pop(k) for k in list(kwargs) if isinstance(kwargs[k], ArtifactQuery | OutputRef)}
        super().__init__(
            task_id=task_id,
            pipeline_root=pipeline_root,
            metadata_conn_id=metadata_conn_id,
            enable_cache=enable_cache,
            beam_pipeline_args=beam_pipeline_args,
            **kwargs,
        )
        if strategy not in STRATEGY_NAMES:
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: unknown strategy {strategy!r}; known: {sorted(STRATEGY_NAMES)}"
            )
        if not sources:
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: give at least one source, e.g. "
                "model=ArtifactQuery(type='Model') or statistics=statistics_gen.outputs['statistics']"
            )
        where = f"Resolver {task_id!r}"
        if (strategy == "span_range") != (range_config is not None):
            raise PipelineDefinitionError(
                f"{where}: range_config goes with (and only with) strategy='span_range'"
            )
        if range_config is not None:
            check_range_config(range_config, where=where)
        if strategy == "previous_span" and not all(isinstance(s, OutputRef) for s in sources.values()):
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: previous_span needs upstream outputs (task.outputs[...]) as sources"
            )
        self.strategy = strategy
        self.range_config = dict(range_config) if range_config is not None else None
        self.queries = {
            k: ArtifactQuery(v.type_name, v.task_id) if isinstance(v, OutputRef) else v
            for k, v in sources.items()
        }
        self.component_inputs = {k: [v] for k, v in sources.items() if isinstance(v, OutputRef)}
        if self.has_dag():
            self.wire_inputs()

    @property
    def output_types(self) -> dict[str, str]:  # type: ignore[override]
        return {key: query.type for key, query in self.queries.items()}

    def execute(self, context: Context) -> dict[str, Any]:
        prepare_tensorflow_environment()  # before MLMD loads: its native log level
        from airflow_tfx_provider.runtime.resolver import resolve  # loads MLMD: not at parse time

        outputs = resolve(
            self.run_settings(context),
            strategy=self.strategy,
            queries=self.queries,
            current_inputs=self.pull_inputs(context),
            config={"range_config": self.range_config} if self.range_config else None,
        )
        return self.push_outputs(context, outputs)
