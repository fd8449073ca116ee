"""``BulkInferrerOperator``: Runs batch inference of a blessed model on examples (TFX's BulkInferrer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components.bulk_inferrer import BulkInferrerSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class BulkInferrerOperator(ComponentOperator):
    """Runs batch inference of a blessed model on examples (TFX's BulkInferrer).

    .. Generated from the spec by ``make docs`` (``BulkInferrer``); edit the spec, not this block.

    :param examples: the examples to run the model on (input ``Examples``, required).
    :param model: the model (SavedModel under ``Format-Serving/``) (input ``Model``, required).
    :param model_blessing: Evaluator's verdict; ``NOT_BLESSED`` skips the task (input ``ModelBlessing``,
        optional).
    :param data_spec: ``{"example_splits": ["eval"]}``; default: every split (parameter, default
        ``None``).
    :param model_spec: ``{"model_signature_name": ["serving_default"], "tag": ["serve"]}``; default:
        those (parameter, default ``None``).
    :param output_example_spec: ``{"output_columns_spec": [{"predict_output": {"output_columns":
        [{"output_key": "outputs", "output_column": "score"}]}}]}``: write Examples
        (``output_examples``) instead of PredictionLogs (parameter, default ``None``).
    :param task_id: task id, default ``'bulk_inferrer'``.

    Outputs (``task.outputs[key]``):

    - ``inference_result`` (``InferenceResult``): without ``output_example_spec``: gzipped
        ``PredictionLog`` TFRecords, ``Split-<name>/prediction_logs-*.gz``
    - ``output_examples`` (``Examples``): with ``output_example_spec``: the input examples with the
        prediction columns added, ``Split-<name>/data_tfrecord-*.gz``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = BulkInferrerSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        model: ArtifactInput,
        model_blessing: ArtifactInput | None = None,
        data_spec: Mapping[str, Any] | None = None,
        model_spec: Mapping[str, Any] | None = None,
        output_example_spec: Mapping[str, Any] | None = None,
        task_id: str = "bulk_inferrer",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            model=model,
            model_blessing=model_blessing,
            data_spec=data_spec,
            model_spec=model_spec,
            output_example_spec=output_example_spec,
            **kwargs,
        )
