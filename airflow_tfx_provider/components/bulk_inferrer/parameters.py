"""bulk_inferrer's parameters: structural checks run when the DAG is parsed (no heavy imports)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.exceptions import (
    PipelineDefinitionError,
)

_NAME = "BulkInferrer"


DEFAULT_SIGNATURE = "serving_default"


DEFAULT_TAG = "serve"


# --- the parameter protos of TFX's bulk_inferrer.proto, as a field tree -----------------------
# message name -> field name -> (kind, repeated); kind is "string" or a message name.
_MESSAGES: dict[str, dict[str, tuple[str, bool]]] = {
    "DataSpec": {"example_splits": ("string", True)},
    "ModelSpec": {"model_signature_name": ("string", True), "tag": ("string", True)},
    "OutputExampleSpec": {"output_columns_spec": ("OutputColumnsSpec", True)},
    "OutputColumnsSpec": {
        "signature_name": ("string", False),
        "classify_output": ("ClassifyOutput", False),
        "regress_output": ("RegressOutput", False),
        "predict_output": ("PredictOutput", False),
    },
    "ClassifyOutput": {"label_column": ("string", False), "score_column": ("string", False)},
    "RegressOutput": {"value_column": ("string", False)},
    "PredictOutput": {"output_columns": ("PredictOutputCol", True)},
    "PredictOutputCol": {"output_key": ("string", False), "output_column": ("string", False)},
}


_OUTPUT_KINDS = ("classify_output", "regress_output", "predict_output")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check_message(value: Any, message: str, path: str) -> dict[str, Any]:
    """``value`` checked against ``message``'s fields; returned with snake_case keys."""
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(
            f"{_NAME}: {path} must be an object ({message}), got {type(value).__name__}: {value!r}"
        )
    fields = _MESSAGES[message]
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = _snake(str(key))
        if name not in fields:
            raise PipelineDefinitionError(
                f"{_NAME}: {path} has unknown field {key!r}; {message} has {sorted(fields)}"
            )
        kind, repeated = fields[name]
        where = f"{path}.{name}"
        if repeated:
            if kind == "string" and isinstance(item, str):
                item = [item]  # a single name for a list of names
            if not isinstance(item, list | tuple):
                raise PipelineDefinitionError(
                    f"{_NAME}: {where} must be a list, got {type(item).__name__}: {item!r}"
                )
            result[name] = [_check_value(v, kind, f"{where}[{i}]") for i, v in enumerate(item)]
        else:
            result[name] = _check_value(item, kind, where)
    return result


def _check_value(value: Any, kind: str, where: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise PipelineDefinitionError(
                f"{_NAME}: {where} must be a string, got {type(value).__name__}: {value!r}"
            )
        return value
    return _check_message(value, kind, where)


def _as_dict(value: Any, message: str, param: str) -> dict[str, Any] | None:
    """A parameter in plain dict form (snake_case keys), or None when unset."""
    if value is None:
        return None
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString"):  # a protobuf message
        from google.protobuf import json_format

        if value.DESCRIPTOR.name != message:
            raise PipelineDefinitionError(
                f"{_NAME}: {param} must be a {message}, got a {value.DESCRIPTOR.name} message"
            )
        value = json_format.MessageToDict(value, preserving_proto_field_name=True)
    return _check_message(value, message, param)


def data_spec_splits(value: Any) -> list[str]:
    """The ``example_splits`` of a ``data_spec`` parameter; empty means every split."""
    spec = _as_dict(value, "DataSpec", "data_spec") or {}
    return list(spec.get("example_splits", []))


def model_spec_values(value: Any) -> tuple[list[str], list[str]]:
    """``(signature names, tags)`` of a ``model_spec`` parameter, defaults filled in."""
    spec = _as_dict(value, "ModelSpec", "model_spec") or {}
    signatures = list(spec.get("model_signature_name") or [DEFAULT_SIGNATURE])
    tags = list(spec.get("tag") or [DEFAULT_TAG])
    return signatures, tags


def output_example_spec_value(value: Any) -> dict[str, Any] | None:
    """The ``output_example_spec`` parameter in dict form, checked; None when unset."""
    spec = _as_dict(value, "OutputExampleSpec", "output_example_spec")
    if spec is None:
        return None
    entries = spec.get("output_columns_spec") or []
    if not entries:
        raise PipelineDefinitionError(
            f"{_NAME}: output_example_spec needs at least one entry in output_columns_spec, e.g. "
            '{"output_columns_spec": [{"predict_output": {"output_columns": '
            '[{"output_key": "outputs", "output_column": "score"}]}}]}'
        )
    columns: list[str] = []
    for i, entry in enumerate(entries):
        where = f"output_example_spec.output_columns_spec[{i}]"
        kinds = [kind for kind in _OUTPUT_KINDS if kind in entry]
        if len(kinds) != 1:
            raise PipelineDefinitionError(
                f"{_NAME}: {where} must set exactly one of {list(_OUTPUT_KINDS)}, got {kinds or 'none'}"
            )
        kind = kinds[0]
        body = entry[kind]
        if kind == "predict_output":
            mapping = body.get("output_columns") or []
            if not mapping:
                raise PipelineDefinitionError(f"{_NAME}: {where}.predict_output.output_columns is empty")
            for j, col in enumerate(mapping):
                for key in ("output_key", "output_column"):
                    if not col.get(key):
                        raise PipelineDefinitionError(
                            f"{_NAME}: {where}.predict_output.output_columns[{j}] needs {key!r}"
                        )
                columns.append(col["output_column"])
        elif kind == "classify_output":
            named = [body[k] for k in ("label_column", "score_column") if body.get(k)]
            if not named:
                raise PipelineDefinitionError(
                    f"{_NAME}: {where}.classify_output needs label_column and/or score_column"
                )
            columns.extend(named)
        else:
            if not body.get("value_column"):
                raise PipelineDefinitionError(f"{_NAME}: {where}.regress_output needs value_column")
            columns.append(body["value_column"])
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise PipelineDefinitionError(f"{_NAME}: output_example_spec names column(s) {duplicates} twice")
    return spec


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks (no TensorFlow), run when the DAG is parsed and before running."""
    data_spec_splits(params.get("data_spec"))
    model_spec_values(params.get("model_spec"))
    output_example_spec_value(params.get("output_example_spec"))
