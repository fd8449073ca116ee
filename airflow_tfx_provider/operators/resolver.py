"""``ResolverOperator``: choose existing artifacts from MLMD (TFX's Resolver node)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import Context

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.operators.wiring import OutputRef
from airflow_tfx_provider.runtime.input_check import check_one
from airflow_tfx_provider.runtime.mlmd_only import STRATEGIES, ArtifactQuery, resolve


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
      the Evaluator's baseline.

    Example: ``ResolverOperator(task_id="previous_statistics", strategy="previous_span",
    statistics=statistics_gen.outputs["statistics"])``.
    """

    ui_color = "#f3e8fd"

    def __init__(
        self,
        *,
        strategy: str = "latest_artifact",
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
        if strategy not in STRATEGIES:
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: unknown strategy {strategy!r}; known: {sorted(STRATEGIES)}"
            )
        if not sources:
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: give at least one source, e.g. "
                "model=ArtifactQuery(type='Model') or statistics=statistics_gen.outputs['statistics']"
            )
        if strategy == "previous_span" and not all(isinstance(s, OutputRef) for s in sources.values()):
            raise PipelineDefinitionError(
                f"Resolver {task_id!r}: previous_span needs upstream outputs (task.outputs[...]) as sources"
            )
        self.strategy = strategy
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
        settings = self.run_settings(context)
        gateway = MetadataGateway.connect(settings.metadata)
        current = {
            key: [
                check_one(
                    entry,
                    key,
                    self.queries[key].type,
                    gateway,
                    settings.pipeline_root,
                    f"Resolver {self.task_id!r}",
                )
                for entry in entries
            ]
            for key, entries in self.pull_inputs(context).items()
        }
        outputs = resolve(
            settings, gateway=gateway, strategy=self.strategy, queries=self.queries, current=current
        )
        return self.push_outputs(context, outputs)
