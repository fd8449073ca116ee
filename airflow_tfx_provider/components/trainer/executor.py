"""trainer's executor."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components._user_code import fn_args as fn_args_lib
from airflow_tfx_provider.components._user_code.tfx_api import FnArgs
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.exceptions import UserCodeError

log = logging.getLogger(__name__)


RUN_SUMMARY_FILE = "run_summary.json"


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: build FnArgs, call run_fn, check the SavedModel, write the run summary."""
    model = single(outputs, "model")
    model_run = single(outputs, "model_run")
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
