"""SchemaGen (infer a schema from statistics) and ImportSchemaGen (take a curated schema file).

Both write ``<schema.uri>/schema.pbtxt`` (text-format ``tensorflow_metadata`` Schema), as TFX does.

SchemaGen follows TFX: the schema is inferred with ``tfdv.infer_schema`` from the first
processed split and then widened with ``tfdv.update_schema`` by each further split.
``infer_feature_shape`` (default True) makes TFDV add a fixed ``shape`` to features that are
always present with one value (dense tensors downstream) instead of leaving them as
value-count ranges (sparse/ragged tensors).
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components._parameters import check_exclude_splits
from airflow_tfx_provider.components.spec import ComponentSpec, InputSpec, OutputSpec, Parameter
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLE_STATISTICS, SCHEMA

_EXECUTORS = "airflow_tfx_provider.components.schema_gen"


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    check_exclude_splits(params, "SchemaGen")
    value = params.get("infer_feature_shape", True)
    if not isinstance(value, bool):
        raise PipelineDefinitionError(f"SchemaGen: infer_feature_shape must be a bool, got {value!r}")


def validate_import_parameters(params: dict[str, Any]) -> None:
    """``schema_file`` must be a non-empty path string."""
    value = params.get("schema_file")
    if not isinstance(value, str) or not value.strip():
        raise PipelineDefinitionError(
            f"ImportSchemaGen: schema_file must be the path of a schema.pbtxt file, got {value!r}"
        )


SchemaGenSpec = ComponentSpec(
    name="SchemaGen",
    default_id="schema_gen",
    doc="Infers a schema from statistics with TFDV (TFX's SchemaGen).",
    inputs={
        "statistics": InputSpec(
            EXAMPLE_STATISTICS,
            doc="statistics to infer the schema from: the first split, then updated with the others",
        )
    },
    outputs={"schema": OutputSpec(SCHEMA, doc="``schema.pbtxt``, a text-format Schema")},
    parameters={
        "infer_feature_shape": Parameter(
            True,
            "give always-present single-valued features a fixed ``shape`` (dense tensors) instead of "
            "value-count ranges (sparse/ragged tensors)",
        ),
        "exclude_splits": Parameter([], "names of splits whose statistics are ignored"),
    },
    executor=f"{_EXECUTORS}.executor.run",
    validate_parameters=validate_parameters,
)

ImportSchemaGenSpec = ComponentSpec(
    name="ImportSchemaGen",
    default_id="schema_gen",
    doc="Imports a curated schema file as a Schema artifact (TFX's ImportSchemaGen).",
    inputs={},
    outputs={"schema": OutputSpec(SCHEMA, doc="``schema.pbtxt``, the parsed ``schema_file``")},
    parameters={
        "schema_file": Parameter(
            doc="path of a text-format schema (``schema.pbtxt``) to import; editing the file reruns the task"
        )
    },
    executor=f"{_EXECUTORS}.import_executor.run",
    input_fingerprint=f"{_EXECUTORS}.import_executor.input_fingerprint",
    validate_parameters=validate_import_parameters,
)

__all__ = ["ImportSchemaGenSpec", "SchemaGenSpec"]
