"""Parameters Trainer and Tuner share (``module_file`` or a dotted ``run_fn`` / ``tuner_fn``,
``train_args``, ``eval_args``, ``custom_config``) and their parse-time checks. Light: imported by
the specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.components.spec import Parameter
from airflow_tfx_provider.exceptions import PipelineDefinitionError


# --- parameters ------------------------------------------------------------------------------
def user_fn_parameters(fn_name: str, what: str) -> dict[str, Parameter]:
    """The parameters Trainer and Tuner share; ``fn_name`` is ``run_fn`` or ``tuner_fn``."""
    return {
        "module_file": Parameter(
            None,
            f"path of a Python module file defining ``{fn_name}(fn_args)`` ({what}); exactly one of "
            f"``module_file`` and ``{fn_name}``",
            module_file=True,
        ),
        fn_name: Parameter(
            None,
            f'dotted import path of ``{fn_name}``, e.g. ``"my_pkg.model.{fn_name}"`` '
            "(instead of ``module_file``)",
            function_path=True,
        ),
        "train_args": Parameter(
            None,
            '``{"splits": ["train"], "num_steps": 2000}``: training splits (default ``["train"]``) and '
            "``fn_args.train_steps`` (``None`` when missing or 0)",
        ),
        "eval_args": Parameter(
            None,
            '``{"splits": ["eval"], "num_steps": 100}``: evaluation splits (default ``["eval"]``) and '
            "``fn_args.eval_steps`` (``None`` when missing or 0)",
        ),
        "custom_config": Parameter(
            None, "a JSON-able dict passed to the user function as ``fn_args.custom_config``"
        ),
    }


@dataclass(frozen=True)
class SplitArgs:
    """``train_args`` / ``eval_args`` after parsing."""

    splits: list[str]
    num_steps: int | None


def parse_split_args(value: Any, name: str, default_split: str, component: str) -> SplitArgs:
    """Check and parse ``{"splits": [...], "num_steps": N}`` (``None`` -> the default split)."""
    if value is None:
        return SplitArgs([default_split], None)
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(
            f'{component}: {name} must be a dict like {{"splits": ["{default_split}"], "num_steps": 100}}, '
            f"got {type(value).__name__}: {value!r}"
        )
    unknown = sorted(set(value) - {"splits", "num_steps"})
    if unknown:
        raise PipelineDefinitionError(
            f"{component}: {name} has unknown key(s) {unknown}; use splits, num_steps"
        )
    splits = value.get("splits") or [default_split]
    if (
        isinstance(splits, str)
        or not isinstance(splits, list | tuple)
        or not all(isinstance(s, str) and s for s in splits)
    ):
        raise PipelineDefinitionError(
            f"{component}: {name}['splits'] must be a list of split names, got {value.get('splits')!r}"
        )
    steps = value.get("num_steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 0):
        raise PipelineDefinitionError(
            f"{component}: {name}['num_steps'] must be a positive integer (or 0/None: unset), got {steps!r}"
        )
    return SplitArgs(list(splits), steps or None)


def validate_user_fn_parameters(params: Mapping[str, Any], fn_name: str, component: str) -> None:
    """Parse-time checks: exactly one of module_file / ``fn_name``; well-formed args and config."""
    module_file, dotted = params.get("module_file"), params.get(fn_name)
    if bool(module_file) == bool(dotted):
        raise PipelineDefinitionError(
            f"{component}: give exactly one of module_file (a path to a .py file defining {fn_name}) and "
            f"{fn_name} (a dotted path like 'my_pkg.model.{fn_name}'); got "
            f"{'both' if module_file else 'neither'}"
        )
    for key in ("module_file", fn_name):
        value = params.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise PipelineDefinitionError(f"{component}: {key} must be a non-empty string, got {value!r}")
    parse_split_args(params.get("train_args"), "train_args", "train", component)
    parse_split_args(params.get("eval_args"), "eval_args", "eval", component)
    custom_config = params.get("custom_config")
    if custom_config is not None and not isinstance(custom_config, Mapping):
        raise PipelineDefinitionError(
            f"{component}: custom_config must be a dict, got {type(custom_config).__name__}: "
            f"{custom_config!r}"
        )
