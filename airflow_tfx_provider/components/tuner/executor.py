"""tuner's executor."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components._user_code import fn_args as fn_args_lib
from airflow_tfx_provider.components._user_code.module_file import UserFunction
from airflow_tfx_provider.components._user_code.tfx_api import legacy_keras_enabled, tuner_on_keras3
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.exceptions import ExecutorError, UserCodeError

log = logging.getLogger(__name__)


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: tuner_fn -> tuner.search(**fit_kwargs) -> best hyperparameters and trial results."""
    best_output = single(outputs, "best_hyperparameters")
    results_output = single(outputs, "tuner_results")
    if importlib.util.find_spec("keras_tuner") is None:
        raise ExecutorError("Tuner needs keras-tuner (pip install keras-tuner), which is not installed")
    tuner_fn = fn_args_lib.load_user_function(params, "tuner_fn")
    temp_root = info.temp_dir or None
    if temp_root:
        os.makedirs(temp_root, exist_ok=True)
    working_dir = tempfile.mkdtemp(prefix=f"tuner-{info.component_id}-{info.execution_id}-", dir=temp_root)
    try:
        fn_args = fn_args_lib.build_fn_args(inputs, params, working_dir=working_dir, component="Tuner")
        log.info(
            "tuning with %s from %s (working_dir %s)\n%s",
            tuner_fn.name,
            tuner_fn.source,
            working_dir,
            fn_args_lib.describe(fn_args),
        )
        started = time.monotonic()
        with contextlib.chdir(working_dir):
            tuner, fit_kwargs = _tuner_and_kwargs(tuner_fn(fn_args), tuner_fn)
            tuner.search_space_summary()
            log.info("starting %s.search (%s)", type(tuner).__name__, sorted(fit_kwargs))
            search = UserFunction(
                tuner.search, f"{type(tuner).__name__}.search (from {tuner_fn.name})", tuner_fn.source
            )
            try:
                search(**fit_kwargs)
            except UserCodeError as err:
                _explain_keras3_tuner(err, tuner, tuner_fn)
                raise
            tuner.results_summary()
        log.info("search finished in %.1f s", time.monotonic() - started)
        _write_best_hyperparameters(tuner, tuner_fn, best_output.uri)
        _write_results(tuner, results_output.uri)
    finally:
        shutil.rmtree(working_dir, ignore_errors=True)


def _tuner_and_kwargs(result: Any, tuner_fn: UserFunction) -> tuple[Any, dict[str, Any]]:
    """Check what tuner_fn returned: a TunerFnResult(tuner, fit_kwargs) or alike."""
    tuner, fit_kwargs = getattr(result, "tuner", None), getattr(result, "fit_kwargs", None)
    if tuner is None or not isinstance(fit_kwargs, Mapping):
        raise UserCodeError(
            f"{tuner_fn.name} in {tuner_fn.source} must return TunerFnResult(tuner=..., fit_kwargs={{...}}) "
            f"(from airflow_tfx_provider.compat), got {type(result).__name__}: {result!r:.200}"
        )
    missing = [m for m in ("search", "get_best_hyperparameters", "oracle") if not hasattr(tuner, m)]
    if missing:
        raise UserCodeError(
            f"{tuner_fn.name} in {tuner_fn.source} returned a tuner of type {type(tuner).__name__} without "
            f"{missing}; it must be a keras_tuner tuner (e.g. keras_tuner.RandomSearch)"
        )
    return tuner, dict(fit_kwargs)


def _explain_keras3_tuner(err: UserCodeError, tuner: Any, tuner_fn: UserFunction) -> None:
    """Raise a clear error if keras-tuner rejected a tf_keras model because it is bound to Keras 3.

    keras-tuner binds itself to what ``import keras`` gives; the loader binds it to tf_keras, but
    a keras-tuner imported earlier in the process and still held by user code escapes that.
    """
    cause = err.__cause__
    if not (
        type(cause).__name__ == "FatalTypeError"
        and "valid Keras Model" in str(cause)
        and legacy_keras_enabled()
        and tuner_on_keras3(tuner)
    ):
        return
    raise UserCodeError(
        f"{type(tuner).__name__} built by {tuner_fn.name} in {tuner_fn.source} comes from keras_tuner "
        "imported bound to Keras 3, which rejects the tf_keras models tf.keras builds "
        "(TF_USE_LEGACY_KERAS=1): keras-tuner binds itself to whatever 'import keras' gives when it is first "
        "imported. Cause: that keras_tuner was imported before the provider could bind it to tf_keras, by "
        "code that ran earlier in this process (e.g. a DAG file or a module it imports), and the tuner_fn "
        "still uses it. Fix: do not import keras_tuner (or modules importing it) at DAG parse time; import "
        "it in the module file or inside tuner_fn, or get it with "
        f"airflow_tfx_provider.compat.import_keras_tuner(). keras-tuner said: {cause}"
    ) from err


def _write_best_hyperparameters(tuner: Any, tuner_fn: UserFunction, folder: str) -> None:
    best = tuner.get_best_hyperparameters(1)
    if not best:
        raise UserCodeError(
            f"the search of the tuner built by {tuner_fn.name} in {tuner_fn.source} completed no trial; "
            "there are no best hyperparameters (see the trial errors above)"
        )
    config = best[0].get_config()
    path = os.path.join(folder, fn_args_lib.BEST_HYPERPARAMETERS_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    log.info("best hyperparameters %s written to %s", config.get("values"), path)


def _score(value: Any) -> float | None:
    if value is None:
        return None
    score = float(value)
    return score if math.isfinite(score) else None


def trial_records(tuner: Any) -> list[dict[str, Any]]:
    """One record per completed trial, best first: trial_id, score and the hyperparameter values."""
    oracle = tuner.oracle
    trials = oracle.get_best_trials(num_trials=max(len(oracle.trials), 1))
    records = []
    for trial in trials:
        record: dict[str, Any] = {"trial_id": trial.trial_id, "score": _score(trial.score)}
        for name, value in trial.hyperparameters.values.items():
            record.setdefault(name, value)
        records.append(record)
    return records


def _write_results(tuner: Any, folder: str) -> None:
    records = trial_records(tuner)
    path = os.path.join(folder, fn_args_lib.TUNER_RESULTS_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(records, handle, indent=1, default=str)
    log.info("%d trial result(s) written to %s", len(records), path)
