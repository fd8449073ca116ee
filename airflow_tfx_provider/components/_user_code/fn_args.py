"""What Trainer and Tuner share: their user-function parameters and building ``FnArgs``.

Follows TFX's ``fn_args_utils.get_common_fn_args``: ``train_files`` / ``eval_files`` are
lists of file patterns, one per chosen split (``<examples uri>/Split-<name>/*.gz``);
``schema_path`` is ``<schema uri>/schema.pbtxt``; ``transform_graph_path`` the
TransformGraph's URI; ``train_steps`` / ``eval_steps`` come from ``train_args`` /
``eval_args`` (``{"splits": [...], "num_steps": N}``; a missing or 0 ``num_steps`` is
``None``, as in TFX); ``custom_config`` is passed through.

The Trainer's model layout is TFX's: the SavedModel goes to ``<model uri>/Format-Serving``
(``serving_model_dir``); ``eval_model_dir`` is ``<model uri>/Format-TFMA``, which Keras
models leave unused (TFMA then reads the serving model), as in TFX.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import optional, single
from airflow_tfx_provider.components._user_code.module_file import UserFunction, resolve_user_function
from airflow_tfx_provider.components._user_code.parameters import parse_split_args
from airflow_tfx_provider.components._user_code.tfx_api import (
    FnArgs,
    exclude_tf_keras_from_autograph,
    make_data_accessor,
)
from airflow_tfx_provider.components.spec import Inputs
from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)

BEST_HYPERPARAMETERS_FILE = "best_hyperparameters.txt"
TUNER_RESULTS_FILE = "tuner_results.json"


def load_user_function(params: Mapping[str, Any], fn_name: str) -> UserFunction:
    """The user's ``run_fn`` / ``tuner_fn``, from ``module_file`` or the dotted path parameter.

    AutoGraph is told to leave tf_keras alone (``compat.exclude_tf_keras_from_autograph``).
    keras-tuner gets bound to tf_keras by the loader itself (``resolve_user_function``), as
    for every user module: when the module (or the user function, when called) imports it.
    """
    if exclude_tf_keras_from_autograph():
        log.info("AutoGraph: tf_keras added to the do-not-convert modules (as keras was before TF 2.16)")
    return resolve_user_function(
        module_file=params.get("module_file") or None, function_path=params.get(fn_name) or None, name=fn_name
    )


# --- inputs ------------------------------------------------------------------------------------
def _split_patterns(examples: ArtifactRef, splits: list[str], name: str) -> list[str]:
    unknown = [s for s in splits if examples.split_names and s not in examples.split_names]
    if unknown:
        raise InvalidInputDataError(
            f"{name} names split(s) {unknown} that Examples artifact {examples.mlmd_id} ({examples.uri}) "
            f"does not have; it has {examples.split_names}"
        )
    patterns = []
    for split in splits:
        example_io.split_files(examples, split)  # raises naming the artifact and split if empty
        patterns.append(example_io.split_file_pattern(examples, split))
    return patterns


def read_hyperparameters(hyperparameters: ArtifactRef) -> dict[str, Any]:
    """The JSON object in a HyperParameters artifact (``best_hyperparameters.txt``, TFX's file).

    An artifact holding exactly one other file (e.g. imported with Importer) is read from that
    file, as TFX does. Missing, unreadable or non-JSON files raise ``InvalidInputDataError``
    naming the artifact and the file.
    """
    what = f"HyperParameters artifact {hyperparameters.mlmd_id} ({hyperparameters.uri})"
    path = os.path.join(hyperparameters.uri, BEST_HYPERPARAMETERS_FILE)
    if not os.path.isfile(path):
        files = sorted(os.listdir(hyperparameters.uri)) if os.path.isdir(hyperparameters.uri) else []
        if len(files) == 1 and os.path.isfile(os.path.join(hyperparameters.uri, files[0])):
            path = os.path.join(hyperparameters.uri, files[0])
        else:
            raise InvalidInputDataError(
                f"{what}: hyperparameters file {path} does not exist (the folder holds {files})"
            )
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidInputDataError(
            f"{what}: hyperparameters file {path} is not readable JSON: {type(err).__name__}: {err}"
        ) from err
    if not isinstance(value, dict):
        raise InvalidInputDataError(
            f"{what}: hyperparameters file {path} must hold a JSON object (a keras_tuner "
            f"HyperParameters config), got {type(value).__name__}"
        )
    log.info("read hyperparameters from %s: %s", path, value.get("values", value))
    return value


def build_fn_args(inputs: Inputs, params: Mapping[str, Any], *, working_dir: str, component: str) -> FnArgs:
    """``FnArgs`` for the inputs (examples, schema, transform_graph, base_model, hyperparameters)."""
    examples = single(inputs, "examples")
    train = parse_split_args(params.get("train_args"), "train_args", "train", component)
    evaluation = parse_split_args(params.get("eval_args"), "eval_args", "eval", component)
    schema = optional(inputs, "schema")
    transform_graph = optional(inputs, "transform_graph")
    base_model = optional(inputs, "base_model")
    hyperparameters = optional(inputs, "hyperparameters")

    schema_path = None
    if schema is not None:
        schema_path = tfdv_io.schema_path(schema)
        if not os.path.isfile(schema_path) and "://" not in schema_path:
            raise InvalidInputDataError(
                f"Schema artifact {schema.mlmd_id} ({schema.uri}) has no {tfdv_io.SCHEMA_FILE_NAME}"
            )
    custom_config = params.get("custom_config")
    return FnArgs(
        working_dir=working_dir,
        train_files=_split_patterns(examples, train.splits, "train_args"),
        eval_files=_split_patterns(examples, evaluation.splits, "eval_args"),
        train_steps=train.num_steps,
        eval_steps=evaluation.num_steps,
        schema_path=schema_path,
        transform_graph_path=transform_graph.uri if transform_graph is not None else None,
        data_accessor=make_data_accessor(),
        base_model=model_io.saved_model_dir(base_model, component, "base_model")
        if base_model is not None
        else None,
        hyperparameters=read_hyperparameters(hyperparameters) if hyperparameters is not None else None,
        custom_config=dict(custom_config) if custom_config is not None else None,
    )


def describe(fn_args: FnArgs) -> str:
    """A few log lines about what the user function gets."""
    lines = [
        f"  train_files: {fn_args.train_files} (train_steps={fn_args.train_steps})",
        f"  eval_files: {fn_args.eval_files} (eval_steps={fn_args.eval_steps})",
    ]
    for label, value in (
        ("schema_path", fn_args.schema_path),
        ("transform_graph_path", fn_args.transform_graph_path),
        ("base_model", fn_args.base_model),
        ("hyperparameters", (fn_args.hyperparameters or {}).get("values", fn_args.hyperparameters)),
        ("custom_config", fn_args.custom_config),
    ):
        if value is not None:
            lines.append(f"  {label}: {value}")
    return "\n".join(lines)
