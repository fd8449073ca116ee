"""infra_validator's parameters: structural checks run when the DAG is parsed (no heavy imports)."""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError

_SERVING_KEYS = {"tensorflow_serving", "local_docker", "kubernetes", "model_name"}


_TF_SERVING_KEYS = {"tags", "digests", "image_name"}


_VALIDATION_KEYS = {"max_loading_time_seconds", "num_tries"}


_REQUEST_KEYS = {"tensorflow_serving", "split_name", "num_examples", "make_warmup"}


_TF_REQUEST_KEYS = {"signature_names", "tag_set", "rpc_kind"}


# --- parameters --------------------------------------------------------------------------
def _section(params: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PipelineDefinitionError(f"InfraValidator: {name} must be a dict (or None), got {value!r}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise PipelineDefinitionError(
            f"InfraValidator: {name} has unknown key(s) {unknown}; allowed: {sorted(allowed)}"
        )
    return value


def _sub_section(section: dict[str, Any], where: str, key: str, allowed: set[str]) -> dict[str, Any]:
    return _section({f"{where}.{key}": section.get(key)}, f"{where}.{key}", allowed)


def _string_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise PipelineDefinitionError(f"InfraValidator: {where} must be a list of non-empty strings")
    return list(value)


def _positive(value: Any, where: str, *, integer: bool) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise PipelineDefinitionError(f"InfraValidator: {where} must be {kind}, got {value!r}")


def validate_parameters(params: dict[str, Any]) -> None:
    """Check ``serving_spec``, ``validation_spec`` and ``request_spec`` (parse time)."""
    serving = _section(params, "serving_spec", _SERVING_KEYS)
    if "kubernetes" in serving:
        raise PipelineDefinitionError(
            "InfraValidator: serving_spec.kubernetes is not supported; the model server runs as a "
            "local process of the task (drop 'kubernetes', or use 'local_docker' / nothing)"
        )
    if "tensorflow_serving" in serving:
        tf_serving = _sub_section(serving, "serving_spec", "tensorflow_serving", _TF_SERVING_KEYS)
        _string_list(tf_serving.get("tags"), "serving_spec.tensorflow_serving.tags")
        _string_list(tf_serving.get("digests"), "serving_spec.tensorflow_serving.digests")
    if "local_docker" in serving:
        _sub_section(
            serving,
            "serving_spec",
            "local_docker",
            {"client_base_url", "client_api_version", "client_timeout_seconds"},
        )
    name = serving.get("model_name")
    if name is not None and (not isinstance(name, str) or not name or any(c in name for c in "/: ")):
        raise PipelineDefinitionError(
            f"InfraValidator: serving_spec.model_name must be a non-empty name without '/', ':' "
            f"or spaces, got {name!r}"
        )
    validation = _section(params, "validation_spec", _VALIDATION_KEYS)
    if "max_loading_time_seconds" in validation:
        _positive(
            validation["max_loading_time_seconds"], "validation_spec.max_loading_time_seconds", integer=False
        )
    if "num_tries" in validation:
        _positive(validation["num_tries"], "validation_spec.num_tries", integer=True)
    request = _section(params, "request_spec", _REQUEST_KEYS)
    if "tensorflow_serving" in request:
        tf_request = _sub_section(request, "request_spec", "tensorflow_serving", _TF_REQUEST_KEYS)
        _string_list(tf_request.get("signature_names"), "request_spec.tensorflow_serving.signature_names")
        _string_list(tf_request.get("tag_set"), "request_spec.tensorflow_serving.tag_set")
        if tf_request.get("rpc_kind") not in (None, "", "TF_SERVING_RPC_KIND_UNSPECIFIED", "PREDICT", 0):
            raise PipelineDefinitionError(
                "InfraValidator: request_spec.tensorflow_serving.rpc_kind: only Predict requests are "
                f"sent (REST :predict); got {tf_request.get('rpc_kind')!r}"
            )
    if "num_examples" in request:
        _positive(request["num_examples"], "request_spec.num_examples", integer=True)
    split = request.get("split_name")
    if split is not None and (not isinstance(split, str) or not split):
        raise PipelineDefinitionError(
            f"InfraValidator: request_spec.split_name must be a split name, got {split!r}"
        )
    if request.get("make_warmup"):
        raise PipelineDefinitionError(
            "InfraValidator: request_spec.make_warmup is not supported (no warmup SavedModel is written)"
        )
