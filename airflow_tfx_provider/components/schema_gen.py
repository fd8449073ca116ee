"""SchemaGen (infer a schema from statistics) and ImportSchemaGen (take a curated schema file).

Both write ``<schema.uri>/schema.pbtxt`` (text-format ``tensorflow_metadata`` Schema), as TFX does.

SchemaGen follows TFX: the schema is inferred with ``tfdv.infer_schema`` from the first
processed split and then widened with ``tfdv.update_schema`` by each further split.
``infer_feature_shape`` (default True) makes TFDV add a fixed ``shape`` to features that are
always present with one value (dense tensors downstream) instead of leaving them as
value-count ranges (sparse/ragged tensors).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from airflow_tfx_provider.components import example_io, tfdv_io
from airflow_tfx_provider.components.base import (
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLE_STATISTICS, SCHEMA

log = logging.getLogger(__name__)


# --- SchemaGen ----------------------------------------------------------------------------
def validate_schema_gen_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    tfdv_io.check_exclude_splits(params, "SchemaGen")
    value = params.get("infer_feature_shape", True)
    if not isinstance(value, bool):
        raise PipelineDefinitionError(f"SchemaGen: infer_feature_shape must be a bool, got {value!r}")


def run_schema_gen(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: infer the schema from the first split's statistics, update it with the others."""
    import tensorflow_data_validation as tfdv

    statistics = tfdv_io.single_input(inputs, "statistics")
    target = tfdv_io.single_output(outputs, "schema")
    infer_feature_shape = bool(params.get("infer_feature_shape", True))
    splits = example_io.selected_splits(statistics, params.get("exclude_splits"))
    log.info(
        "inferring schema from split(s) %s of statistics artifact %s (%s), infer_feature_shape=%s",
        splits,
        statistics.mlmd_id,
        statistics.uri,
        infer_feature_shape,
    )

    schema = None
    for split in splits:
        stats = tfdv_io.load_statistics(statistics, split)
        try:
            if schema is None:
                schema = tfdv.infer_schema(stats, infer_feature_shape=infer_feature_shape)
            else:
                schema = tfdv.update_schema(schema, stats, infer_feature_shape=infer_feature_shape)
        except (ValueError, TypeError, RuntimeError) as err:
            raise InvalidInputDataError(
                f"cannot infer a schema from {tfdv_io.statistics_path(statistics, split)}: {err}"
            ) from err
        log.info("split %r: schema now has %d feature(s)", split, len(schema.feature))
    tfdv_io.write_schema(schema, target)


SchemaGenSpec = ComponentSpec(
    name="SchemaGen",
    default_id="schema_gen",
    inputs={"statistics": InputSpec(EXAMPLE_STATISTICS, doc="statistics to infer the schema from")},
    outputs={"schema": OutputSpec(SCHEMA, doc="schema.pbtxt")},
    parameters={
        "infer_feature_shape": Parameter(
            True, "give always-present single-valued features a fixed shape (dense tensors)"
        ),
        "exclude_splits": Parameter([], "names of splits whose statistics are ignored"),
    },
    executor=run_schema_gen,
    validate_parameters=validate_schema_gen_parameters,
)


# --- ImportSchemaGen ---------------------------------------------------------------------
def validate_import_schema_gen_parameters(params: dict[str, Any]) -> None:
    """``schema_file`` must be a non-empty path string."""
    value = params.get("schema_file")
    if not isinstance(value, str) or not value.strip():
        raise PipelineDefinitionError(
            f"ImportSchemaGen: schema_file must be the path of a schema.pbtxt file, got {value!r}"
        )


def run_import_schema_gen(
    inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo
) -> None:
    """Executor: parse ``schema_file`` (text format) and write it out as ``schema.pbtxt``."""
    target = tfdv_io.single_output(outputs, "schema")
    path = str(params["schema_file"])
    log.info("importing schema from %s", path)
    schema = tfdv_io.read_schema_file(path)
    tfdv_io.write_schema(schema, target)


def import_schema_fingerprint(params: dict[str, Any], info: ExecutionInfo) -> str:
    """Content hash of ``schema_file``, so that editing the file invalidates the cache."""
    path = str(params.get("schema_file") or "")
    try:
        if "://" in path:  # object storage: only TensorFlow's file system layer can read it
            import tensorflow as tf

            with tf.io.gfile.GFile(path, "rb") as f:
                data = f.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except Exception as err:  # the executor reports the real problem
        return f"unreadable:{type(err).__name__}"
    return "sha256:" + hashlib.sha256(data).hexdigest()


ImportSchemaGenSpec = ComponentSpec(
    name="ImportSchemaGen",
    default_id="schema_gen",
    inputs={},
    outputs={"schema": OutputSpec(SCHEMA, doc="schema.pbtxt, a copy of schema_file")},
    parameters={"schema_file": Parameter(doc="path of a text-format schema (schema.pbtxt) to import")},
    executor=run_import_schema_gen,
    input_fingerprint=import_schema_fingerprint,
    validate_parameters=validate_import_schema_gen_parameters,
)
