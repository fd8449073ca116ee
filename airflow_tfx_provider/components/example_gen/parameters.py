"""ExampleGen's parameters: structural checks run when the DAG is parsed (cheap: stdlib only),
and the split/span settings they describe, which the executor reads."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components.example_gen.patterns import Pattern, parse_pattern
from airflow_tfx_provider.exceptions import PipelineDefinitionError

INPUT_FORMATS = ("csv", "tfrecord", "parquet")
DEFAULT_SPLIT_PATTERN = "*"
DEFAULT_OUTPUT_SPLITS: tuple[tuple[str, int], ...] = (("train", 2), ("eval", 1))

_SPLIT_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

# ---------------------------------------------------------------------------------------------
# Parameter validation (dict structure only; cheap)
# ---------------------------------------------------------------------------------------------


def _check_split_name(where: str, name: Any) -> str:
    if not isinstance(name, str) or not _SPLIT_NAME_RE.match(name):
        raise PipelineDefinitionError(
            f"{where}: split name {name!r} is not valid; use letters, digits, '_', '-' or '.' "
            "(it becomes the folder name Split-<name>)"
        )
    return name


def _check_keys(where: str, value: Any, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(f"{where} must be a dict, got {type(value).__name__}: {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise PipelineDefinitionError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")
    return dict(value)


def _named_splits(where: str, config: Any, key: str) -> Iterator[tuple[str, str, Any]]:
    """``(where, name, value)`` of each entry of ``{'splits': [{'name': ..., key: ...}, ...]}``.

    Checks the structure and each entry's name as it goes, then that the names are unique;
    the caller checks each value as it gets it.
    """
    config = _check_keys(where, config, ["splits"])
    splits = config.get("splits")
    if not isinstance(splits, list) or not splits:
        raise PipelineDefinitionError(
            f"{where} needs a non-empty list 'splits' of {{'name': ..., '{key}': ...}}, got {splits!r}"
        )
    names = []
    for i, split in enumerate(splits):
        entry = f"{where}.splits[{i}]"
        split = _check_keys(entry, split, ["name", key])
        name = _check_split_name(entry, split.get("name"))
        names.append(name)
        yield entry, name, split.get(key)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PipelineDefinitionError(f"{where}: duplicate split name(s) {dupes}")


def input_splits(params: Mapping[str, Any]) -> list[tuple[str, Pattern]]:
    """The input splits as (name, parsed pattern); checks the structure of ``input_config``."""
    config = params.get("input_config")
    if config is None:
        return [("single_split", parse_pattern("single_split", DEFAULT_SPLIT_PATTERN))]
    result: list[tuple[str, Pattern]] = []
    for where, name, pattern in _named_splits("input_config", config, "pattern"):
        if not isinstance(pattern, str) or not pattern.strip():
            raise PipelineDefinitionError(f"{where} (split {name!r}): 'pattern' must be a non-empty string")
        if pattern.startswith("/"):
            raise PipelineDefinitionError(
                f"{where} (split {name!r}): pattern {pattern!r} must be relative to input_base"
            )
        result.append((name, parse_pattern(name, pattern)))
    kinds = {frozenset(p.placeholders) for _, p in result}
    if len(kinds) > 1:
        raise PipelineDefinitionError(
            "input_config: all split patterns must use the same placeholders; got "
            + ", ".join(f"{n}: {p.text!r}" for n, p in result)
        )
    return result


def output_splits(
    params: Mapping[str, Any], n_input_splits: int
) -> tuple[list[tuple[str, int]] | None, str | None]:
    """Hash-split plan ``([(name, buckets), ...], partition_feature)``; ``None``: keep the input splits."""
    config = params.get("output_config")
    partition: str | None = None
    splits: list[tuple[str, int]] | None = None
    if config is not None:
        config = _check_keys("output_config", config, ["split_config", "partition_feature_name"])
        partition = config.get("partition_feature_name")
        if partition is not None and (not isinstance(partition, str) or not partition):
            raise PipelineDefinitionError(
                f"output_config.partition_feature_name must be a non-empty string, got {partition!r}"
            )
        split_config = config.get("split_config")
        if split_config is not None:
            splits = []
            for where, name, buckets in _named_splits(
                "output_config.split_config", split_config, "hash_buckets"
            ):
                if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
                    raise PipelineDefinitionError(
                        f"{where} (split {name!r}): hash_buckets must be a positive integer, got {buckets!r}"
                    )
                splits.append((name, buckets))
    if n_input_splits > 1:
        if splits is not None:
            raise PipelineDefinitionError(
                "input_config has several splits and output_config has a split_config: give one or the "
                "other (with several input splits, each input split becomes the output split of its name)"
            )
        if partition is not None:
            raise PipelineDefinitionError(
                "output_config.partition_feature_name only applies when one input split is hash-split"
            )
        return None, None
    return (splits if splits is not None else list(DEFAULT_OUTPUT_SPLITS)), partition


def range_span(params: Mapping[str, Any]) -> int | None:
    config = params.get("range_config")
    if config is None:
        return None
    config = _check_keys("range_config", config, ["static_range"])
    static = config.get("static_range")
    static = _check_keys("range_config.static_range", static, ["start_span_number", "end_span_number"])
    start, end = static.get("start_span_number"), static.get("end_span_number")
    for key, value in (("start_span_number", start), ("end_span_number", end)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PipelineDefinitionError(
                f"range_config.static_range.{key} must be a non-negative integer, got {value!r}"
            )
    if start != end:
        raise PipelineDefinitionError(
            f"range_config.static_range must select one span (start_span_number == end_span_number), "
            f"got {start}..{end}"
        )
    assert isinstance(start, int)
    return start


def _check_common(params: Mapping[str, Any], formats: Sequence[str]) -> None:
    base = params.get("input_base")
    if not isinstance(base, str) or not base.strip():
        raise PipelineDefinitionError(f"input_base must be a non-empty string (a folder), got {base!r}")
    fmt = params.get("input_format")
    if fmt not in formats:
        raise PipelineDefinitionError(f"input_format must be one of {list(formats)}, got {fmt!r}")
    for flag in ("span_from_data_interval", "span_from_asset_event"):
        if not isinstance(params.get(flag, False), bool):
            raise PipelineDefinitionError(f"{flag} must be True or False, got {params.get(flag)!r}")
    splits = input_splits(params)
    output_splits(params, len(splits))
    span = range_span(params)
    pattern = splits[0][1]
    if span is not None and not (pattern.has_span or pattern.has_date):
        raise PipelineDefinitionError(
            f"range_config selects span {span}, but the input pattern {pattern.text!r} has neither {{SPAN}} "
            "nor a date ({YYYY}{MM}{DD} or {YYYY}{MM})"
        )


def validate_parameters(params: Mapping[str, Any]) -> None:
    """Check the structure of ExampleGen's parameters; raise ``PipelineDefinitionError``."""
    _check_common(params, INPUT_FORMATS)


def validate_csv_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("csv",))


def validate_import_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("tfrecord", "parquet"))
