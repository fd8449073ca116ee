"""``ImportSchemaGenOperator``: Imports a curated schema file as a Schema artifact (TFX's ImportSchemaGen)."""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components.schema_gen import ImportSchemaGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class ImportSchemaGenOperator(ComponentOperator):
    """Imports a curated schema file as a Schema artifact (TFX's ImportSchemaGen).

    .. Generated from the spec by ``make docs`` (``ImportSchemaGen``); edit the spec, not this block.

    :param schema_file: path of a text-format schema (``schema.pbtxt``) to import; editing the file
        reruns the task (parameter, required).
    :param task_id: task id, default ``'schema_gen'``.

    Outputs (``task.outputs[key]``):

    - ``schema`` (``Schema``): ``schema.pbtxt``, the parsed ``schema_file``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = ImportSchemaGenSpec

    def __init__(
        self,
        *,
        schema_file: str,
        task_id: str = "schema_gen",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            schema_file=schema_file,
            **kwargs,
        )
