"""``TrainerOperator``: Trains a model with the user's run_fn (TFX's Trainer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components.trainer import TrainerSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class TrainerOperator(ComponentOperator):
    """Trains a model with the user's run_fn (TFX's Trainer).

    .. Generated from the spec by ``make docs`` (``Trainer``); edit the spec, not this block.

    :param examples: training and evaluation examples (raw or transformed) (input ``Examples``,
        required).
    :param transform_graph: Transform's graph (``fn_args.transform_output``) (input ``TransformGraph``,
        optional).
    :param schema: schema of the examples (``fn_args.schema_path``) (input ``Schema``, optional).
    :param hyperparameters: e.g. ``tuner.outputs["best_hyperparameters"]`` (``fn_args.hyperparameters``)
        (input ``HyperParameters``, optional).
    :param base_model: a model to warm-start from (``fn_args.base_model``) (input ``Model``, optional).
    :param module_file: path of a Python module file defining ``run_fn(fn_args)`` (TFX's Trainer
        contract); exactly one of ``module_file`` and ``run_fn`` (parameter, default ``None``).
    :param run_fn: dotted import path of ``run_fn``, e.g. ``"my_pkg.model.run_fn"`` (instead of
        ``module_file``) (parameter, default ``None``).
    :param train_args: ``{"splits": ["train"], "num_steps": 2000}``: training splits (default
        ``["train"]``) and ``fn_args.train_steps`` (``None`` when missing or 0) (parameter, default
        ``None``).
    :param eval_args: ``{"splits": ["eval"], "num_steps": 100}``: evaluation splits (default
        ``["eval"]``) and ``fn_args.eval_steps`` (``None`` when missing or 0) (parameter, default
        ``None``).
    :param custom_config: a JSON-able dict passed to the user function as ``fn_args.custom_config``
        (parameter, default ``None``).
    :param task_id: task id, default ``'trainer'``.

    Outputs (``task.outputs[key]``):

    - ``model`` (``Model``): the SavedModel ``run_fn`` wrote, in ``Format-Serving/``
    - ``model_run`` (``ModelRun``): ``run_summary.json`` and the TensorBoard logs ``run_fn`` writes to
        ``fn_args.model_run_dir``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = TrainerSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        transform_graph: ArtifactInput | None = None,
        schema: ArtifactInput | None = None,
        hyperparameters: ArtifactInput | None = None,
        base_model: ArtifactInput | None = None,
        module_file: str | None = None,
        run_fn: str | None = None,
        train_args: Mapping[str, Any] | None = None,
        eval_args: Mapping[str, Any] | None = None,
        custom_config: Mapping[str, Any] | None = None,
        task_id: str = "trainer",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            hyperparameters=hyperparameters,
            base_model=base_model,
            module_file=module_file,
            run_fn=run_fn,
            train_args=train_args,
            eval_args=eval_args,
            custom_config=custom_config,
            **kwargs,
        )
