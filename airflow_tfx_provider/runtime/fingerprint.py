"""Cache fingerprints: what makes two executions interchangeable.

fingerprint = sha256 of the canonical JSON of: component type, executor version,
parameters (module files and dotted function paths replaced by hashes of their content and of the
sibling modules they import), input artifact ids per key, and the spec's extra input fingerprint (e.g. the
files ExampleGen reads).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format

from airflow_tfx_provider.components._user_code.module_file import module_file_digest
from airflow_tfx_provider.components.spec import ComponentSpec, Parameter
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef


def canonical(value: Any, *, where: str) -> Any:
    """A JSON-able, order-independent form of a parameter value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {
            str(k): canonical(v, where=f"{where}.{k}")
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple):
        return [canonical(v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, set | frozenset):
        return sorted(canonical(v, where=where) for v in value)
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString"):  # a protobuf message
        return {"__proto__": type(value).__name__, "value": json_format.MessageToDict(value)}
    to_json = getattr(value, "to_json", None)
    if callable(to_json):  # e.g. tfdv.StatsOptions
        return {"__object__": type(value).__name__, "value": to_json()}
    raise PipelineDefinitionError(
        f"parameter {where} has a value of type {type(value).__name__} that cannot be fingerprinted "
        "for caching; pass plain data (dict/list/str/number), a protobuf message, or disable the cache"
    )


def module_file_value(value: Any) -> Any:
    """A module file parameter (path) stands for the content of it and its sibling imports."""
    if isinstance(value, str) and os.path.isfile(value):
        return {"module_file": os.path.basename(value), "sha256": module_file_digest(value)}
    return value


def function_path_value(value: Any) -> Any:
    """A dotted function path stands for the content of its module's folder.

    The module is located without being imported (only its parent packages are). Its folder's
    Python files are hashed, not just the module: package code imports its helpers in many
    ways (``from . import helper``, ``from my_pkg import helper``), and they usually live next
    to it. A path whose module cannot be found is kept as it is; the executor reports it.
    """
    if not isinstance(value, str) or "." not in value:
        return value
    module_name = value.rsplit(".", 1)[0]
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return value
    origin = getattr(spec, "origin", None)
    if not origin or not os.path.isfile(origin):
        return value
    folder = os.path.dirname(os.path.abspath(origin))
    digests = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".py") and os.path.isfile(path):
            with open(path, "rb") as handle:
                digests[name] = hashlib.sha256(handle.read()).hexdigest()
    return {"function": value, "sha256": digests}


def _parameter_value(parameter: Parameter, value: Any) -> Any:
    if parameter.module_file:
        return module_file_value(value)
    if parameter.function_path:
        return function_path_value(value)
    return value


def compute_fingerprint(
    spec: ComponentSpec,
    parameters: Mapping[str, Any],
    inputs: Mapping[str, Sequence[ArtifactRef]],
    extra: str = "",
) -> str:
    params = {name: _parameter_value(spec.parameters[name], value) for name, value in parameters.items()}
    document = {
        "component": spec.name,
        "executor_version": spec.executor_version,
        "parameters": canonical(params, where=spec.name),
        "inputs": {key: [ref.mlmd_id for ref in refs] for key, refs in sorted(inputs.items())},
        "extra": extra,
    }
    blob = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()
