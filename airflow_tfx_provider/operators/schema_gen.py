"""``SchemaGenOperator``: Infers a schema from statistics with TFDV (TFX's SchemaGen)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class SchemaGenOperator(ComponentOperator):
    """Infers a schema from statistics with TFDV (TFX's SchemaGen).

    .. Generated from the spec by ``make docs`` (``SchemaGen``); edit the spec, not this block.

    :param statistics: statistics to infer the schema from: the first split, then updated with the
        others (input ``ExampleStatistics``, required).
    :param infer_feature_shape: give always-present single-valued features a fixed ``shape`` (dense
        tensors) instead of value-count ranges (sparse/ragged tensors) (parameter, default ``True``).
    :param exclude_splits: names of splits whose statistics are ignored (parameter, default ``[]``).
    :param task_id: task id, default ``'schema_gen'``.

    Outputs (``task.outputs[key]``):

    - ``schema`` (``Schema``): ``schema.pbtxt``, a text-format Schema

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = SchemaGenSpec

    def __init__(
        self,
        *,
        statistics: ArtifactInput,
        infer_feature_shape: bool = True,
        exclude_splits: Sequence[str] = (),
        task_id: str = "schema_gen",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            statistics=statistics,
            infer_feature_shape=infer_feature_shape,
            exclude_splits=exclude_splits,
            **kwargs,
        )
