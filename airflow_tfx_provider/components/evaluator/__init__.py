"""Evaluator: TFMA metrics of a model (optionally against a baseline) and a blessing.

Inputs: ``examples`` (the ``example_splits`` are read, gzipped TFRecords of tf.Example),
``model`` (a SavedModel under ``<uri>/Format-Serving/`` whose ``serving_default`` signature
takes serialized tf.Examples, TFX's standard), optional ``baseline_model`` (same layout) and
optional ``schema`` (used to decode the examples, as TFX does).

Outputs, in TFX's layout:

- ``evaluation`` (ModelEvaluation): TFMA's output files as ``tfma.ExtractEvaluateAndWriteResults``
  writes them (``tfma.load_eval_result(uri)`` and ``tfma.load_validation_result(uri)`` read
  them). The headline metrics (scalar metrics of the candidate model) are also stored as
  custom properties ``metric/<slice>/<metric name>`` -> float, e.g. ``metric/Overall/auc`` or
  ``metric/trip_start_hour=3/binary_accuracy``, for at most ``MAX_SLICES_IN_PROPERTIES``
  slices (Overall first, then the biggest), so MLMD can be queried without reading files.
- ``blessing`` (ModelBlessing): an empty ``BLESSED`` or ``NOT_BLESSED`` file and the properties
  ``blessed`` (1/0), ``current_model`` (URI), ``current_model_id`` (MLMD id) and, with a
  baseline, ``baseline_model`` / ``baseline_model_id``; ``reason``: why (every threshold
  holds, none configured, or each failed threshold with its value). It is always written: NOT_BLESSED is a
  successful run. Blessed means TFMA's validation passed (every threshold holds); with no
  thresholds at all the model is blessed and the log says so.

Parameters:

- ``eval_config`` (required): a ``tfma.EvalConfig``, its dict/JSON form or its text-proto form
  (see ``eval_config.py``). With a baseline and a single model spec, candidate and baseline specs
  are derived as TFX does (``tfma.update_eval_config_with_defaults``). Without a baseline,
  change thresholds cannot be evaluated: they are removed (logged) and value thresholds apply.
- ``example_splits``: the splits to evaluate on (default ``["eval"]``).

Beam runs with the run's ``beam_pipeline_args`` (``beam_support.make_pipeline``).
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components.evaluator import eval_config as eval_config_io
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLES, MODEL, MODEL_BLESSING, MODEL_EVALUATION, SCHEMA

_NAME = "Evaluator"


# --- parameters -----------------------------------------------------------------------------
def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap checks, run when the DAG is parsed: no TFMA or TensorFlow import."""
    eval_config_io.check_eval_config(params.get("eval_config"), _NAME)
    splits = params.get("example_splits")
    if splits is None:
        return
    if (
        not isinstance(splits, list | tuple)
        or not splits
        or not all(isinstance(s, str) and s for s in splits)
    ):
        raise PipelineDefinitionError(
            f"{_NAME}: example_splits must be a non-empty list of split names, got {splits!r}"
        )
    if len(set(splits)) != len(splits):
        raise PipelineDefinitionError(f"{_NAME}: example_splits names a split twice: {list(splits)}")


EvaluatorSpec = ComponentSpec(
    name=_NAME,
    default_id="evaluator",
    doc="Evaluates a model with TFMA and blesses it against thresholds and a baseline (TFX's Evaluator).",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="examples to evaluate on (the ``example_splits``)"),
        "model": InputSpec(MODEL, doc="the candidate: a SavedModel under ``Format-Serving/``"),
        "baseline_model": InputSpec(
            MODEL,
            optional=True,
            doc="the model to compare with for change thresholds, e.g. from a ``ResolverOperator("
            'strategy="latest_blessed_model")``; empty: change thresholds are skipped',
        ),
        "schema": InputSpec(SCHEMA, optional=True, doc="schema used to decode the examples"),
    },
    outputs={
        "evaluation": OutputSpec(
            MODEL_EVALUATION,
            doc="TFMA's files, read with ``tfma.load_eval_result(uri)``; headline metrics as custom "
            "properties ``metric/<slice>/<metric>``",
        ),
        "blessing": OutputSpec(
            MODEL_BLESSING,
            doc="``BLESSED`` or ``NOT_BLESSED``; properties ``blessed``, ``current_model_id``, "
            "``baseline_model_id``, ``reason`` (the failed thresholds, or why it is blessed)",
        ),
    },
    parameters={
        "eval_config": Parameter(
            doc="a ``tfma.EvalConfig``, or its dict / JSON (``json_format``) / text-proto form: model, "
            "slicing and metrics specs with value and change thresholds",
        ),
        "example_splits": Parameter(["eval"], "names of the splits to evaluate on"),
    },
    executor="airflow_tfx_provider.components.evaluator.executor.run",
    validate_parameters=validate_parameters,
)
