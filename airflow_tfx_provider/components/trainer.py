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

import json
import logging
import os
import time
from typing import Any

from airflow_tfx_provider.compat import FnArgs
from airflow_tfx_provider.components import fn_args as fn_args_lib
from airflow_tfx_provider.components import model_io, tfdv_io
from airflow_tfx_provider.components.base import (
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
)
from airflow_tfx_provider.exceptions import UserCodeError
from airflow_tfx_provider.types import EXAMPLES, HYPER_PARAMETERS, MODEL, MODEL_RUN, SCHEMA, TRANSFORM_GRAPH

log = logging.getLogger(__name__)

RUN_SUMMARY_FILE = "run_summary.json"


def validate_trainer_parameters(params: dict[str, Any]) -> None:
    """Parse-time checks: exactly one of module_file / run_fn, train_args, eval_args, custom_config."""
    fn_args_lib.validate_user_fn_parameters(params, "run_fn", "Trainer")


def run_trainer(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: build FnArgs, call run_fn, check the SavedModel, write the run summary."""
    model = tfdv_io.single_output(outputs, "model")
    model_run = tfdv_io.single_output(outputs, "model_run")
    run_fn = fn_args_lib.load_user_function(params, "run_fn")
    fn_args = fn_args_lib.build_fn_args(inputs, params, working_dir=model.uri, component="Trainer")
    fn_args.serving_model_dir = model_io.serving_model_dir(model)
    fn_args.eval_model_dir = model_io.eval_model_dir(model)
    fn_args.model_run_dir = model_run.uri

    log.info("training with %s from %s\n%s", run_fn.name, run_fn.source, fn_args_lib.describe(fn_args))
    started = time.monotonic()
    run_fn(fn_args)
    seconds = time.monotonic() - started

    saved_model = os.path.join(fn_args.serving_model_dir, model_io.SAVED_MODEL_FILES[0])
    if not os.path.isfile(saved_model):
        written = sorted(os.listdir(model.uri)) if os.path.isdir(model.uri) else []
        raise UserCodeError(
            f"{run_fn.name} in {run_fn.source} returned without writing a SavedModel to "
            f"fn_args.serving_model_dir ({saved_model} is missing; the model folder holds {written}). "
            "Save the model there, e.g. model.save(fn_args.serving_model_dir, save_format='tf', "
            "signatures=...)"
        )
    _write_run_summary(model_run.uri, run_fn.name, run_fn.source, fn_args, seconds)
    log.info(
        "%s finished in %.1f s; SavedModel written to %s (published under the model output's URI), "
        "run files in %s",
        run_fn.name,
        seconds,
        fn_args.serving_model_dir,
        model_run.uri,
    )


def _write_run_summary(folder: str, name: str, source: str, fn_args: FnArgs, seconds: float) -> None:
    summary = {
        "run_fn": name,
        "source": source,
        "train_files": fn_args.train_files,
        "eval_files": fn_args.eval_files,
        "train_steps": fn_args.train_steps,
        "eval_steps": fn_args.eval_steps,
        "schema_path": fn_args.schema_path,
        "transform_graph_path": fn_args.transform_graph_path,
        "base_model": fn_args.base_model,
        "hyperparameters": fn_args.hyperparameters,
        "custom_config": fn_args.custom_config,
        "serving_model_dir": model_io.SERVING_MODEL_DIR,
        "seconds": round(seconds, 3),
    }
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, RUN_SUMMARY_FILE), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True, default=str)


TrainerSpec = ComponentSpec(
    name="Trainer",
    default_id="trainer",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="training and evaluation examples (raw or transformed)"),
        "transform_graph": InputSpec(
            TRANSFORM_GRAPH, optional=True, doc="Transform's graph (transform_output)"
        ),
        "schema": InputSpec(SCHEMA, optional=True, doc="schema of the examples (schema_path)"),
        "hyperparameters": InputSpec(
            HYPER_PARAMETERS, optional=True, doc="e.g. Tuner's best_hyperparameters (fn_args.hyperparameters)"
        ),
        "base_model": InputSpec(MODEL, optional=True, doc="a model to warm-start from (fn_args.base_model)"),
    },
    outputs={
        "model": OutputSpec(MODEL, doc="the SavedModel under Format-Serving/"),
        "model_run": OutputSpec(MODEL_RUN, doc="run_summary.json and the TensorBoard logs run_fn wrote"),
    },
    parameters=fn_args_lib.user_fn_parameters("run_fn", "TFX's Trainer contract"),
    executor=run_trainer,
    validate_parameters=validate_trainer_parameters,
)
