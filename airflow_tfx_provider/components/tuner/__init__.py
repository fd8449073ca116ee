"""Tuner (TFX's Tuner): runs the user's ``tuner_fn(fn_args)`` and a keras-tuner search.

The module file keeps TFX's contract: ``tuner_fn`` gets an ``FnArgs`` (the same fields as
the Trainer's, without the model folders and hyperparameters) and returns a
``TunerFnResult(tuner, fit_kwargs)``; the executor runs ``tuner.search(**fit_kwargs)``.

``fn_args.working_dir`` is a fresh temporary folder (under the run's temp dir when the
operator gives one), removed afterwards, as TFX's executor does with its tmp dir: pass it as
the tuner's ``directory``. The search also runs with that folder as the current directory,
so a tuner left at keras-tuner's default ``directory="."`` does not write its trials into
the worker's current directory.

Outputs, as TFX writes them:

- ``best_hyperparameters``: ``best_hyperparameters.txt``, the JSON of
  ``tuner.get_best_hyperparameters()[0].get_config()``; the Trainer reads it into
  ``fn_args.hyperparameters`` (``keras_tuner.HyperParameters.from_config(...)``);
- ``tuner_results``: ``tuner_results.json``, a JSON list with one record per completed
  trial, best first: ``{"trial_id": ..., "score": ..., <hyperparameter>: <value>, ...}``.

keras-tuner runs on tf_keras (``TF_USE_LEGACY_KERAS=1``): while a module file loads or a user
function runs, the first ``import keras_tuner`` of the process is bound to tf_keras, and one
imported earlier bound to Keras 3 is re-imported (keras-tuner 1.4 alone binds to Keras 3 and
rejects tf_keras models); see ``_user_code/tfx_api.py``.
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components._user_code import parameters as user_fn_params
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
)
from airflow_tfx_provider.types import (
    EXAMPLES,
    HYPER_PARAMETERS,
    MODEL,
    SCHEMA,
    TRANSFORM_GRAPH,
    TUNER_RESULTS,
)


def validate_parameters(params: dict[str, Any]) -> None:
    """Parse-time checks: exactly one of module_file / tuner_fn, train_args, eval_args, custom_config."""
    user_fn_params.validate_user_fn_parameters(params, "tuner_fn", "Tuner")


TunerSpec = ComponentSpec(
    name="Tuner",
    default_id="tuner",
    doc="Searches hyperparameters with the user's tuner_fn (TFX's Tuner, on keras-tuner).",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="training and evaluation examples (raw or transformed)"),
        "schema": InputSpec(SCHEMA, optional=True, doc="schema of the examples (``fn_args.schema_path``)"),
        "transform_graph": InputSpec(
            TRANSFORM_GRAPH, optional=True, doc="Transform's graph (``fn_args.transform_output``)"
        ),
        "base_model": InputSpec(MODEL, optional=True, doc="a model to start from (``fn_args.base_model``)"),
    },
    outputs={
        "best_hyperparameters": OutputSpec(
            HYPER_PARAMETERS,
            doc="``best_hyperparameters.txt``: the JSON of the best "
            "``keras_tuner.HyperParameters.get_config()``",
        ),
        "tuner_results": OutputSpec(
            TUNER_RESULTS,
            doc="``tuner_results.json``: one record (trial id, score, values) per trial, best first",
        ),
    },
    parameters=user_fn_params.user_fn_parameters("tuner_fn", "TFX's Tuner contract"),
    executor="airflow_tfx_provider.components.tuner.executor.run",
    validate_parameters=validate_parameters,
)
