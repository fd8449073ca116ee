"""``StatisticsGenOperator``: Computes TFDV statistics per split (TFX's StatisticsGen)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class StatisticsGenOperator(ComponentOperator):
    """Computes TFDV statistics per split (TFX's StatisticsGen).

    .. Generated from the spec by ``make docs`` (``StatisticsGen``); edit the spec, not this block.

    :param examples: the examples to describe (input ``Examples``, required).
    :param schema: set as ``StatsOptions.schema``: steers the statistics (not used to decode the
        records) (input ``Schema``, optional).
    :param stats_options: ``None`` (TFDV's defaults), a ``tfdv.StatsOptions``, or a JSON-able dict of
        its keyword arguments, e.g. ``{"num_top_values": 50}``; setting a schema in it and as input is
        an error (parameter, default ``None``).
    :param exclude_splits: names of splits to skip (parameter, default ``[]``).
    :param task_id: task id, default ``'statistics_gen'``.

    Outputs (``task.outputs[key]``):

    - ``statistics`` (``ExampleStatistics``): ``Split-<name>/FeatureStats.pb`` per split, a binary
        ``DatasetFeatureStatisticsList``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = StatisticsGenSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        schema: ArtifactInput | None = None,
        stats_options: Any = None,
        exclude_splits: Sequence[str] = (),
        task_id: str = "statistics_gen",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            schema=schema,
            stats_options=stats_options,
            exclude_splits=exclude_splits,
            **kwargs,
        )
