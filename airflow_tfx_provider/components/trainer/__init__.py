"""Trainer (TFX's Trainer with the generic executor): runs the user's ``run_fn(fn_args)``.

The module file keeps TFX's contract: ``run_fn`` gets an ``FnArgs`` (see
:mod:`airflow_tfx_provider.compat`) and writes a SavedModel to ``fn_args.serving_model_dir``
(``<model uri>/Format-Serving``) and, if it likes, TensorBoard logs to
``fn_args.model_run_dir`` (the ``model_run`` output).

- ``train_files`` / ``eval_files``: file patterns of the ``train_args`` / ``eval_args`` splits
  (default ``["train"]`` / ``["eval"]``) of ``examples`` (raw or transformed examples);
- ``transform_graph_path`` (= ``transform_output``): the TransformGraph's URI, if given;
- ``schema_path`` (= ``schema_file``): ``<schema uri>/schema.pbtxt``, if given;
- ``hyperparameters``: the dict in the HyperParameters artifact (Tuner's
  ``best_hyperparameters``), if given: ``keras_tuner.HyperParameters.from_config(...)``;
- ``base_model``: the base Model's ``Format-Serving`` folder, if given;
- ``working_dir``: the model output's folder; ``custom_config``: the parameter.

After ``run_fn`` returns, ``Format-Serving/saved_model.pb`` must exist, otherwise the task
fails naming the module file. The ``model_run`` output always holds ``run_summary.json``
(what was trained from, steps, hyperparameters, seconds), so it is never empty and is
always published, with or without TensorBoard logs.

The executor runs in the task process: run_fn's own output (Keras progress bars, ...) goes
to the task log. The executor writes into staging folders that the launcher renames into
place after success, so the SavedModel must not embed its own absolute path (TensorFlow's
SavedModels do not).
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components._user_code import parameters as user_fn_params
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
)
from airflow_tfx_provider.types import EXAMPLES, HYPER_PARAMETERS, MODEL, MODEL_RUN, SCHEMA, TRANSFORM_GRAPH


def validate_parameters(params: dict[str, Any]) -> None:
    """Parse-time checks: exactly one of module_file / run_fn, train_args, eval_args, custom_config."""
    user_fn_params.validate_user_fn_parameters(params, "run_fn", "Trainer")


TrainerSpec = ComponentSpec(
    name="Trainer",
    default_id="trainer",
    doc="Trains a model with the user's run_fn (TFX's Trainer).",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="training and evaluation examples (raw or transformed)"),
        "transform_graph": InputSpec(
            TRANSFORM_GRAPH, optional=True, doc="Transform's graph (``fn_args.transform_output``)"
        ),
        "schema": InputSpec(SCHEMA, optional=True, doc="schema of the examples (``fn_args.schema_path``)"),
        "hyperparameters": InputSpec(
            HYPER_PARAMETERS,
            optional=True,
            doc='e.g. ``tuner.outputs["best_hyperparameters"]`` (``fn_args.hyperparameters``)',
        ),
        "base_model": InputSpec(
            MODEL, optional=True, doc="a model to warm-start from (``fn_args.base_model``)"
        ),
    },
    outputs={
        "model": OutputSpec(MODEL, doc="the SavedModel ``run_fn`` wrote, in ``Format-Serving/``"),
        "model_run": OutputSpec(
            MODEL_RUN,
            doc="``run_summary.json`` and the TensorBoard logs ``run_fn`` writes to "
            "``fn_args.model_run_dir``",
        ),
    },
    parameters=user_fn_params.user_fn_parameters("run_fn", "TFX's Trainer contract"),
    executor="airflow_tfx_provider.components.trainer.executor.run",
    validate_parameters=validate_parameters,
)
