"""``EvaluatorOperator``: TFX's Evaluator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_tfx_provider.components.evaluator import EvaluatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class EvaluatorOperator(ComponentOperator):
    """Evaluates a model with TFMA and blesses it against thresholds and a baseline (TFX's Evaluator).

    .. Generated from the spec by ``make docs`` (``Evaluator``); edit the spec, not this block.

    :param examples: examples to evaluate on (the ``example_splits``) (input ``Examples``, required).
    :param model: the candidate: a SavedModel under ``Format-Serving/`` (input ``Model``, required).
    :param eval_config: a ``tfma.EvalConfig``, or its dict / JSON (``json_format``) / text-proto form:
        model, slicing and metrics specs with value and change thresholds (parameter, required).
    :param baseline_model: the model to compare with for change thresholds, e.g. from a
        ``ResolverOperator(strategy="latest_blessed_model")``; empty: change thresholds are skipped
        (input ``Model``, optional).
    :param schema: schema used to decode the examples (input ``Schema``, optional).
    :param example_splits: names of the splits to evaluate on (parameter, default ``['eval']``).
    :param task_id: task id, default ``'evaluator'``.

    Outputs (``task.outputs[key]``):

    - ``evaluation`` (``ModelEvaluation``): TFMA's files, read with ``tfma.load_eval_result(uri)``;
        headline metrics as custom properties ``metric/<slice>/<metric>``
    - ``blessing`` (``ModelBlessing``): ``BLESSED`` or ``NOT_BLESSED``; properties ``blessed``,
        ``current_model_id``, ``baseline_model_id``, ``reason`` (the failed thresholds, or why it is
        blessed)

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = EvaluatorSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        model: ArtifactInput,
        eval_config: Any,
        baseline_model: ArtifactInput | None = None,
        schema: ArtifactInput | None = None,
        example_splits: Sequence[str] = ("eval",),
        task_id: str = "evaluator",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            model=model,
            baseline_model=baseline_model,
            schema=schema,
            eval_config=eval_config,
            example_splits=example_splits,
            **kwargs,
        )
