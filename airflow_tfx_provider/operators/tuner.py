"""``TunerOperator``: Searches hyperparameters with the user's tuner_fn (TFX's Tuner, on keras-tuner)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components.tuner import TunerSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class TunerOperator(ComponentOperator):
    """Searches hyperparameters with the user's tuner_fn (TFX's Tuner, on keras-tuner).

    .. Generated from the spec by ``make docs`` (``Tuner``); edit the spec, not this block.

    :param examples: training and evaluation examples (raw or transformed) (input ``Examples``,
        required).
    :param schema: schema of the examples (``fn_args.schema_path``) (input ``Schema``, optional).
    :param transform_graph: Transform's graph (``fn_args.transform_output``) (input ``TransformGraph``,
        optional).
    :param base_model: a model to start from (``fn_args.base_model``) (input ``Model``, optional).
    :param module_file: path of a Python module file defining ``tuner_fn(fn_args)`` (TFX's Tuner
        contract); exactly one of ``module_file`` and ``tuner_fn`` (parameter, default ``None``).
    :param tuner_fn: dotted import path of ``tuner_fn``, e.g. ``"my_pkg.model.tuner_fn"`` (instead of
        ``module_file``) (parameter, default ``None``).
    :param train_args: ``{"splits": ["train"], "num_steps": 2000}``: training splits (default
        ``["train"]``) and ``fn_args.train_steps`` (``None`` when missing or 0) (parameter, default
        ``None``).
    :param eval_args: ``{"splits": ["eval"], "num_steps": 100}``: evaluation splits (default
        ``["eval"]``) and ``fn_args.eval_steps`` (``None`` when missing or 0) (parameter, default
        ``None``).
    :param custom_config: a JSON-able dict passed to the user function as ``fn_args.custom_config``
        (parameter, default ``None``).
    :param task_id: task id, default ``'tuner'``.

    Outputs (``task.outputs[key]``):

    - ``best_hyperparameters`` (``HyperParameters``): ``best_hyperparameters.txt``: the JSON of the best
        ``keras_tuner.HyperParameters.get_config()``
    - ``tuner_results`` (``TunerResults``): ``tuner_results.json``: one record (trial id, score, values)
        per trial, best first

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = TunerSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        schema: ArtifactInput | None = None,
        transform_graph: ArtifactInput | None = None,
        base_model: ArtifactInput | None = None,
        module_file: str | None = None,
        tuner_fn: str | None = None,
        train_args: Mapping[str, Any] | None = None,
        eval_args: Mapping[str, Any] | None = None,
        custom_config: Mapping[str, Any] | None = None,
        task_id: str = "tuner",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            schema=schema,
            transform_graph=transform_graph,
            base_model=base_model,
            module_file=module_file,
            tuner_fn=tuner_fn,
            train_args=train_args,
            eval_args=eval_args,
            custom_config=custom_config,
            **kwargs,
        )
