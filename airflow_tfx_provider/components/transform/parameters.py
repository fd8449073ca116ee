"""transform's parameters: structural checks run when the DAG is parsed (no heavy imports)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.exceptions import (
    PipelineDefinitionError,
)

_NAME = "Transform"


_FUNCTION_NAME = "preprocessing_fn"


_CUSTOM_CONFIG = "custom_config"


_SPLITS_CONFIG_KEYS = ("analyze", "transform")


_BOOL_PARAMETERS = ("materialize", "disable_statistics", "force_tf_compat_v1", "disable_analyzer_cache")


# --- parameters ---------------------------------------------------------------------------
def _check_split_list(value: Any, key: str) -> None:
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) and s for s in value):
        raise PipelineDefinitionError(
            f"{_NAME}: splits_config[{key!r}] must be a list of split names (non-empty str), got {value!r}"
        )
    duplicates = sorted({s for s in value if list(value).count(s) > 1})
    if duplicates:
        raise PipelineDefinitionError(f"{_NAME}: splits_config[{key!r}] names {duplicates} more than once")


def _check_user_function(params: dict[str, Any]) -> None:
    """Exactly one of ``module_file`` and ``preprocessing_fn`` (a dotted path), each a str."""
    module_file = params.get("module_file")
    function_path = params.get(_FUNCTION_NAME)
    for name, value in (("module_file", module_file), (_FUNCTION_NAME, function_path)):
        if value is not None and not isinstance(value, str):
            raise PipelineDefinitionError(f"{_NAME}: {name} must be a str, got {type(value).__name__}")
    if bool(module_file) == bool(function_path):
        raise PipelineDefinitionError(
            f"{_NAME}: give exactly one of module_file (path of a file defining {_FUNCTION_NAME}) and "
            f"{_FUNCTION_NAME} (a dotted path like 'pkg.module.{_FUNCTION_NAME}'), not "
            f"{'both' if module_file else 'neither'}"
        )
    if function_path and "." not in function_path:
        raise PipelineDefinitionError(
            f"{_NAME}: {_FUNCTION_NAME} must be a dotted path like 'pkg.module.{_FUNCTION_NAME}', "
            f"got {function_path!r}"
        )


def _check_custom_config(params: dict[str, Any]) -> None:
    """``custom_config``, if given, must be a JSON-serializable dict."""
    custom_config = params.get(_CUSTOM_CONFIG)
    if custom_config is None:
        return
    if not isinstance(custom_config, Mapping):
        raise PipelineDefinitionError(
            f"{_NAME}: custom_config must be a dict, got {type(custom_config).__name__}"
        )
    try:
        json.dumps(dict(custom_config))
    except (TypeError, ValueError) as err:
        raise PipelineDefinitionError(
            f"{_NAME}: custom_config must be JSON-serializable (as in TFX): {err}"
        ) from None


def _check_splits_config(params: dict[str, Any]) -> None:
    """``splits_config``, if given: a non-empty 'analyze' list and an optional 'transform' list."""
    splits_config = params.get("splits_config")
    if splits_config is None:
        return
    if not isinstance(splits_config, Mapping):
        raise PipelineDefinitionError(
            f"{_NAME}: splits_config must be None or a dict {{'analyze': [...], 'transform': [...]}}, "
            f"got {type(splits_config).__name__}"
        )
    unknown = sorted(str(k) for k in splits_config if k not in _SPLITS_CONFIG_KEYS)
    if unknown:
        raise PipelineDefinitionError(
            f"{_NAME}: splits_config has unknown key(s) {unknown}; it takes {list(_SPLITS_CONFIG_KEYS)}"
        )
    analyze = splits_config.get("analyze")
    if not analyze:
        raise PipelineDefinitionError(
            f"{_NAME}: splits_config['analyze'] must name at least one split (TFX: analyze cannot "
            "be empty when splits_config is set)"
        )
    _check_split_list(analyze, "analyze")
    if splits_config.get("transform") is not None:
        _check_split_list(splits_config["transform"], "transform")
        if not splits_config["transform"] and params.get("materialize", True):
            raise PipelineDefinitionError(
                f"{_NAME}: splits_config['transform'] is empty but materialize=True: nothing to "
                "materialize; name the splits to transform or set materialize=False"
            )


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed (and again by the executor)."""
    _check_user_function(params)
    _check_custom_config(params)
    _check_splits_config(params)
    for name in _BOOL_PARAMETERS:
        if name in params and not isinstance(params[name], bool):
            raise PipelineDefinitionError(f"{_NAME}: {name} must be a bool, got {params[name]!r}")
