"""ExampleGen: turn external files (CSV, TFRecord, Parquet) into an Examples artifact.

Two specs share one executor, :func:`run_executor`:

- ``CsvExampleGenSpec`` reads CSV files with a header line;
- ``ImportExampleGenSpec`` reads TFRecord files of ``tf.Example`` (gzipped or not, by the
  ``.gz`` suffix) or Parquet files.

Parameters keep TFX's names and take the dict forms of TFX's protos:

- ``input_base``: folder holding the input files (may be a rendered Airflow template);
- ``input_config``: ``{"splits": [{"name": "train", "pattern": "train/*"}, ...]}``; patterns are
  globs relative to ``input_base`` and may hold ``{SPAN}``, ``{VERSION}`` (optionally with a
  width, ``{SPAN:2}``) or ``{YYYY}``, ``{MM}``, ``{DD}``. ``None`` means one split, pattern ``*``;
- ``output_config``: ``{"split_config": {"splits": [{"name": "train", "hash_buckets": 2}, ...]},
  "partition_feature_name": "..."}``. ``None`` means a 2:1 train/eval hash split when the input
  has a single split, and the input's splits otherwise;
- ``range_config``: ``{"static_range": {"start_span_number": N, "end_span_number": N}}`` picks one span;
- ``span_from_data_interval``: derive the span from the run's data interval (see below);
- ``input_format``: ``"csv"``, ``"tfrecord"`` or ``"parquet"``.

Span and version, the same for every split:

1. ``{YYYY}{MM}{DD}`` patterns: span = days since 1970-01-01 of the date. The date is
   ``range_config``'s span if given, else the date of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else the latest date found on disk.
2. ``{SPAN}`` patterns: ``range_config``'s span if given, else the latest span on disk.
3. No span placeholder: days since epoch of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else 0. Backfilling over a static file thus yields one span
   per data interval.
4. ``{VERSION}``: the latest version present for the chosen span (``version`` is 0 without it).

Output: ``<uri>/Split-<name>/data_tfrecord-NNNNN-of-MMMMM.gz``, gzipped TFRecords of
serialized ``tf.Example``. CSV columns become INT64 if every non-empty value of the split is an
integer, FLOAT if every one is a number, BYTES otherwise; an empty cell gives a feature that
is present with no values (as TFX does).

Resolving which files to read (:func:`resolve_input`) is cheap and shared by the executor and
:func:`input_fingerprint`, which the caching layer uses to rerun ExampleGen when the files change.
Nothing heavy (pyarrow, TensorFlow, tfx-bsl) is imported at module level.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import hashlib
import logging
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.components.base import (
    REQUIRED,
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.components.example_io import shard_path
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLES, ArtifactRef

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

INPUT_FORMATS = ("csv", "tfrecord", "parquet")
DEFAULT_SPLIT_PATTERN = "*"
DEFAULT_OUTPUT_SPLITS: tuple[tuple[str, int], ...] = (("train", 2), ("eval", 1))

_EPOCH = dt.date(1970, 1, 1)
_SPLIT_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_PLACEHOLDER_RE = re.compile(r"\{(SPAN|VERSION|YYYY|MM|DD)(?::(\d+))?\}")
_DATE_PLACEHOLDERS = ("YYYY", "MM", "DD")
_DATE_WIDTHS = {"YYYY": 4, "MM": 2, "DD": 2}
# A header field that looks like a number means the file most likely has no header line.
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Same notion of "integer" / "number" as Python's int() / float(), which TFX uses (RE2 syntax).
_INT_VALUE_RE = r"^\s*[+-]?[0-9]+\s*$"
_FLOAT_VALUE_RE = r"^\s*[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))\s*$"

_PROGRESS_EVERY = 100_000
_BYTES_PER_SHARD = 256 * 1024 * 1024
_MAX_SHARDS = 64
_CSV_BLOCK_SIZE = 4 * 1024 * 1024
_TFRECORD_BATCH = 1024
_PARQUET_BATCH = 65_536


# ---------------------------------------------------------------------------------------------
# Parameter validation (dict structure only; cheap)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """An input split pattern: its placeholders, a glob to list candidates, a regex to parse them."""

    text: str
    placeholders: frozenset[str]
    glob: str
    regex: re.Pattern[str]

    @property
    def has_date(self) -> bool:
        return "YYYY" in self.placeholders

    @property
    def has_span(self) -> bool:
        return "SPAN" in self.placeholders

    @property
    def has_version(self) -> bool:
        return "VERSION" in self.placeholders

    def fill(self, *, span: int | None = None, date: dt.date | None = None) -> str:
        """The pattern with the span (or date) written in; other placeholders stay as they are."""

        def repl(match: re.Match[str]) -> str:
            name, width = match.group(1), match.group(2)
            if name == "SPAN" and span is not None:
                return str(span).zfill(int(width)) if width else str(span)
            if date is not None and name in _DATE_WIDTHS:
                return {"YYYY": f"{date.year:04d}", "MM": f"{date.month:02d}", "DD": f"{date.day:02d}"}[name]
            return match.group(0)

        return _PLACEHOLDER_RE.sub(repl, self.text)


def _glob_to_regex(text: str) -> str:
    """Translate a glob fragment (``*``, ``?``, ``[...]``) to a regex matching within one path segment."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = text.find("]", i + 2 if text[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = text[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _parse_pattern(split: str, pattern: str) -> _Pattern:
    """Parse a split pattern; raise ``PipelineDefinitionError`` on misused placeholders."""
    where = f"input_config split {split!r} pattern {pattern!r}"
    glob_parts: list[str] = []
    regex_parts: list[str] = []
    seen: set[str] = set()
    pos = 0
    text = pattern
    pattern = posixpath.normpath(pattern)  # "./a//b" -> "a/b", as os.path.relpath reports matches
    for match in _PLACEHOLDER_RE.finditer(pattern):
        name, width = match.group(1), match.group(2)
        if name in seen:
            raise PipelineDefinitionError(f"{where}: placeholder {{{name}}} appears more than once")
        seen.add(name)
        if width is not None and name not in ("SPAN", "VERSION"):
            raise PipelineDefinitionError(
                f"{where}: only {{SPAN}} and {{VERSION}} take a width, not {{{name}}}"
            )
        if width is not None and int(width) < 1:
            raise PipelineDefinitionError(f"{where}: width of {{{name}}} must be at least 1")
        literal = pattern[pos : match.start()]
        glob_parts.append(literal)
        regex_parts.append(_glob_to_regex(literal))
        digits = _DATE_WIDTHS.get(name) or (int(width) if width else 0)
        glob_parts.append("[0-9]" * digits if digits else "*")
        regex_parts.append(f"(?P<{name}>[0-9]{{{digits}}})" if digits else f"(?P<{name}>[0-9]+)")
        pos = match.end()
    glob_parts.append(pattern[pos:])
    regex_parts.append(_glob_to_regex(pattern[pos:]))

    dates = seen & set(_DATE_PLACEHOLDERS)
    if dates and dates != set(_DATE_PLACEHOLDERS):
        raise PipelineDefinitionError(
            f"{where}: date placeholders must come together as {{YYYY}}, {{MM}} and {{DD}}; found only "
            + ", ".join(f"{{{d}}}" for d in _DATE_PLACEHOLDERS if d in dates)
        )
    if dates and "SPAN" in seen:
        raise PipelineDefinitionError(f"{where}: use either {{SPAN}} or {{YYYY}}{{MM}}{{DD}}, not both")
    if "VERSION" in seen and not (dates or "SPAN" in seen):
        raise PipelineDefinitionError(f"{where}: {{VERSION}} needs {{SPAN}} or {{YYYY}}{{MM}}{{DD}} as well")
    return _Pattern(
        text=text,
        placeholders=frozenset(seen),
        glob="".join(glob_parts),
        regex=re.compile("".join(regex_parts) + r"\Z"),
    )


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


def _input_splits(params: Mapping[str, Any]) -> list[tuple[str, _Pattern]]:
    """The input splits as (name, parsed pattern); checks the structure of ``input_config``."""
    config = params.get("input_config")
    if config is None:
        return [("single_split", _parse_pattern("single_split", DEFAULT_SPLIT_PATTERN))]
    config = _check_keys("input_config", config, ["splits"])
    splits = config.get("splits")
    if not isinstance(splits, list) or not splits:
        raise PipelineDefinitionError(
            f"input_config needs a non-empty list 'splits' of {{'name': ..., 'pattern': ...}}, got {splits!r}"
        )
    result: list[tuple[str, _Pattern]] = []
    for i, split in enumerate(splits):
        where = f"input_config.splits[{i}]"
        split = _check_keys(where, split, ["name", "pattern"])
        name = _check_split_name(where, split.get("name"))
        pattern = split.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise PipelineDefinitionError(f"{where} (split {name!r}): 'pattern' must be a non-empty string")
        if pattern.startswith("/"):
            raise PipelineDefinitionError(
                f"{where} (split {name!r}): pattern {pattern!r} must be relative to input_base"
            )
        result.append((name, _parse_pattern(name, pattern)))
    names = [n for n, _ in result]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PipelineDefinitionError(f"input_config: duplicate split name(s) {dupes}")
    kinds = {frozenset(p.placeholders) for _, p in result}
    if len(kinds) > 1:
        raise PipelineDefinitionError(
            "input_config: all split patterns must use the same placeholders; got "
            + ", ".join(f"{n}: {p.text!r}" for n, p in result)
        )
    return result


def _output_splits(
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
            split_config = _check_keys("output_config.split_config", split_config, ["splits"])
            raw = split_config.get("splits")
            if not isinstance(raw, list) or not raw:
                raise PipelineDefinitionError(
                    "output_config.split_config needs a non-empty list 'splits' of "
                    f"{{'name': ..., 'hash_buckets': ...}}, got {raw!r}"
                )
            splits = []
            for i, split in enumerate(raw):
                where = f"output_config.split_config.splits[{i}]"
                split = _check_keys(where, split, ["name", "hash_buckets"])
                name = _check_split_name(where, split.get("name"))
                buckets = split.get("hash_buckets")
                if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
                    raise PipelineDefinitionError(
                        f"{where} (split {name!r}): hash_buckets must be a positive integer, got {buckets!r}"
                    )
                splits.append((name, buckets))
            names = [n for n, _ in splits]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise PipelineDefinitionError(f"output_config.split_config: duplicate split name(s) {dupes}")
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


def _range_span(params: Mapping[str, Any]) -> int | None:
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
    if not isinstance(params.get("span_from_data_interval", True), bool):
        raise PipelineDefinitionError(
            f"span_from_data_interval must be True or False, got {params.get('span_from_data_interval')!r}"
        )
    splits = _input_splits(params)
    _output_splits(params, len(splits))
    span = _range_span(params)
    pattern = splits[0][1]
    if span is not None and not (pattern.has_span or pattern.has_date):
        raise PipelineDefinitionError(
            f"range_config selects span {span}, but the input pattern {pattern.text!r} has neither {{SPAN}} "
            "nor {YYYY}{MM}{DD}"
        )


def validate_parameters(params: Mapping[str, Any]) -> None:
    """Check the structure of ExampleGen's parameters; raise ``PipelineDefinitionError``."""
    _check_common(params, INPUT_FORMATS)


def _validate_csv_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("csv",))


def _validate_import_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("tfrecord", "parquet"))


# ---------------------------------------------------------------------------------------------
# Input resolution (cheap: stdlib only; shared by the executor and the fingerprint)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ResolvedInput:
    """The files ExampleGen reads, per input split, and the span/version they make."""

    input_base: str
    span: int
    version: int
    has_version: bool
    splits: tuple[tuple[str, tuple[InputFile, ...]], ...]

    def fingerprint(self) -> str:
        lines = [f"span={self.span} version={self.version}"]
        for split, files in self.splits:
            for f in files:
                lines.append(f"split={split} path={f.path} size={f.size} mtime_ns={f.mtime_ns}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Candidate:
    path: str
    span: int | None
    version: int | None


def _utc_date(when: dt.datetime) -> dt.date:
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.date()


def _interval_date(params: Mapping[str, Any], info: ExecutionInfo) -> dt.date | None:
    if info.data_interval_start is None or not params.get("span_from_data_interval", True):
        return None
    return _utc_date(info.data_interval_start)


def _list_candidates(base: str, split: str, pattern: _Pattern) -> list[_Candidate]:
    full_pattern = os.path.join(base, pattern.text)
    matches = sorted(glob.glob(os.path.join(glob.escape(base), pattern.glob)))
    files = [m for m in matches if os.path.isfile(m)]
    if not files:
        hint = ""
        if matches:
            hint = f" (it matches only folders, e.g. {matches[0]}; add '/*' to match the files inside)"
        raise InvalidInputDataError(f"no input file matches {full_pattern} (split {split!r}){hint}")
    result: list[_Candidate] = []
    for path in files:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        match = pattern.regex.match(rel)
        if match is None:  # the glob is looser than the placeholders' digit rules
            continue
        groups = match.groupdict()
        span: int | None = None
        if pattern.has_date:
            try:
                day = dt.date(int(groups["YYYY"]), int(groups["MM"]), int(groups["DD"]))
            except ValueError:
                raise InvalidInputDataError(
                    f"input file {path} matches {full_pattern} but "
                    f"{groups['YYYY']}-{groups['MM']}-{groups['DD']} is not a valid date"
                ) from None
            span = (day - _EPOCH).days
        elif pattern.has_span:
            span = int(groups["SPAN"])
        version = int(groups["VERSION"]) if pattern.has_version else None
        result.append(_Candidate(path, span, version))
    if not result:
        raise InvalidInputDataError(
            f"no input file matches {full_pattern} (split {split!r}): files such as {files[0]} match the "
            "glob but not the digits the placeholders need"
        )
    return result


def _span_text(pattern: _Pattern, span: int) -> str:
    if pattern.has_date:
        return f"date {_EPOCH + dt.timedelta(days=span)} (span {span})"
    return f"span {span}"


def _resolve_split(
    base: str,
    split: str,
    pattern: _Pattern,
    range_span: int | None,
    interval_date: dt.date | None,
) -> tuple[int, int | None, list[str]]:
    """(span, version, files) of one split. Span is None for patterns without span placeholders."""
    candidates = _list_candidates(base, split, pattern)
    full_pattern = os.path.join(base, pattern.text)
    if not (pattern.has_span or pattern.has_date):
        span = (interval_date - _EPOCH).days if interval_date is not None else 0
        return span, None, [c.path for c in candidates]

    available = sorted({c.span for c in candidates if c.span is not None})
    if range_span is not None:
        span, why = range_span, "from range_config"
    elif pattern.has_date and interval_date is not None:
        span, why = (interval_date - _EPOCH).days, "from the run's data interval start"
    else:
        span, why = available[-1], "the latest found"
    chosen = [c for c in candidates if c.span == span]
    if not chosen:
        if pattern.has_date:
            day = _EPOCH + dt.timedelta(days=span)
            expected = os.path.join(base, pattern.fill(date=day))
        else:
            expected = os.path.join(base, pattern.fill(span=span))
        shown = ", ".join(_span_text(pattern, s).split(" (")[0] for s in available[-5:])
        raise InvalidInputDataError(
            f"no input file for {_span_text(pattern, span)} ({why}) in split {split!r}: "
            f"pattern {full_pattern} expects files like {expected}; "
            f"found {len(available)} other span(s), latest: {shown}"
        )
    version: int | None = None
    if pattern.has_version:
        version = max(c.version for c in chosen if c.version is not None)
        chosen = [c for c in chosen if c.version == version]
    log.debug("split %s: %s (%s)", split, _span_text(pattern, span), why)
    return span, version, [c.path for c in chosen]


def resolve_input(params: Mapping[str, Any], info: ExecutionInfo) -> ResolvedInput:
    """Find the files to read and the span/version they make; raise ``InvalidInputDataError``.

    Uses only the standard library (``glob``/``os``), so it is cheap enough for fingerprinting.
    """
    base = str(params["input_base"])
    if not os.path.exists(base):
        raise InvalidInputDataError(f"input_base {base} does not exist")
    if not os.path.isdir(base):
        raise InvalidInputDataError(f"input_base {base} is not a folder")
    splits = _input_splits(params)
    range_span = _range_span(params)
    interval_date = _interval_date(params, info)
    resolved: list[tuple[str, int, int | None, list[str]]] = []
    for name, pattern in splits:
        span, version, paths = _resolve_split(base, name, pattern, range_span, interval_date)
        resolved.append((name, span, version, paths))
    spans = {span for _, span, _, _ in resolved}
    versions = {version for _, _, version, _ in resolved}
    if len(spans) > 1 or len(versions) > 1:
        detail = ", ".join(f"{name}: span {span} version {version}" for name, span, version, _ in resolved)
        raise InvalidInputDataError(
            f"input splits under {base} resolve to different spans/versions ({detail}); every split must "
            "have files for the same span and version"
        )
    _, span, version, _ = resolved[0]
    result_splits: list[tuple[str, tuple[InputFile, ...]]] = []
    for name, _, _, paths in resolved:
        files = []
        for path in paths:
            stat = os.stat(path)
            files.append(InputFile(path, stat.st_size, stat.st_mtime_ns))
        result_splits.append((name, tuple(files)))
    return ResolvedInput(
        input_base=base,
        span=span,
        version=version or 0,
        has_version=version is not None,
        splits=tuple(result_splits),
    )


def input_fingerprint(params: dict[str, Any], info: ExecutionInfo) -> str:
    """Path, size and mtime of every file the executor would read (plus span/version).

    The caching layer adds this to the cache key, so ExampleGen reruns when input files change.
    Raises ``InvalidInputDataError`` like the executor when the files cannot be resolved.
    """
    return resolve_input(params, info).fingerprint()


# ---------------------------------------------------------------------------------------------
# Readers: each yields batches of (serialized tf.Examples, hash keys)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    records: list[bytes]
    keys: list[bytes]


_KIND_INT, _KIND_FLOAT, _KIND_BYTES = "INT64", "FLOAT", "BYTES"


def _list_array(values: pa.Array) -> pa.Array:
    """One-element lists of ``values``; a null value becomes a null list (feature without values)."""
    import numpy as np
    import pyarrow as pa

    offsets = pa.array(np.arange(len(values) + 1, dtype=np.int32))
    if values.null_count:
        return pa.ListArray.from_arrays(offsets, values, mask=values.is_null())
    return pa.ListArray.from_arrays(offsets, values)


def _check_not_empty(path: str, size: int) -> None:
    if size == 0:
        raise InvalidInputDataError(f"input file {path} is empty (0 bytes)")


# --- CSV ---


def _csv_header(path: str) -> list[str]:
    """Read and check the header line; raise ``InvalidInputDataError`` if it does not look like one."""
    with open(path, "rb") as f:
        first = f.readline()
        has_more = False
        while chunk := f.read(1 << 16):
            if chunk.strip():
                has_more = True
                break
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise InvalidInputDataError(f"first line of {path} is not valid UTF-8: {err}") from None
    fields = next(csv.reader([line]), []) if line.strip() else []
    problems: list[str] = []
    if not fields:
        problems.append("it is empty")
    seen: set[str] = set()
    for i, name in enumerate(fields, 1):
        if not name.strip():
            problems.append(f"field {i} is empty")
        elif _NUMBER_RE.match(name.strip()):
            problems.append(f"field {i} ({name!r}) is a number")
        elif name in seen:
            problems.append(f"field {i} ({name!r}) is a duplicate")
        seen.add(name)
    if problems:
        shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise InvalidInputDataError(
            f"first line of {path} does not look like a header: {shown} (line: {line[:200]!r}). "
            "CSV input needs a first line naming the columns"
        )
    if not has_more:
        raise InvalidInputDataError(f"CSV file {path} has a header but no data rows")
    return fields


def _csv_batches(path: str, header: list[str], *, use_threads: bool) -> Iterator[pa.RecordBatch]:
    """Stream a CSV file as record batches of string columns ("" for empty cells)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[Any] = []

    def on_invalid_row(row: Any) -> str:
        bad.append(row)
        return "skip"

    def raise_bad() -> None:
        row = bad[0]
        where = f"line {row.number}" if row.number is not None else "a row"
        raise InvalidInputDataError(
            f"CSV file {path}: {where} has {row.actual_columns} field(s) but the header has "
            f"{row.expected_columns}: {str(row.text)[:200]!r}"
            + (f" ({len(bad)} such rows in this block)" if len(bad) > 1 else "")
        )

    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=use_threads, block_size=_CSV_BLOCK_SIZE
            ),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid_row, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            if bad:
                raise_bad()
            yield batch
    except pa.ArrowInvalid as err:
        raise InvalidInputDataError(f"cannot parse CSV file {path}: {err}") from None
    if bad:
        raise_bad()


@dataclass
class _ColumnKind:
    all_int: bool = True
    all_number: bool = True
    has_values: bool = False

    @property
    def kind(self) -> str:
        if not self.all_number:
            return _KIND_BYTES
        if not self.has_values:
            return _KIND_BYTES  # only empty cells: every feature is present without values
        return _KIND_INT if self.all_int else _KIND_FLOAT


def _update_kind(state: _ColumnKind, column: pa.Array) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not state.all_number:
        return
    present = pc.not_equal(column, "")
    values = pc.filter(column, present)
    if len(values) == 0:
        return
    state.has_values = True
    is_int = pc.match_substring_regex(values, _INT_VALUE_RE)
    if state.all_int and not pc.all(is_int).as_py():
        state.all_int = False
    if state.all_int:
        try:
            pc.cast(_normalize_number(values), pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            state.all_number = False  # beyond int64: TFX treats such columns as strings
        return
    if pc.any(is_int).as_py():
        ints = pc.filter(values, is_int)
        try:
            pc.cast(_normalize_number(ints), pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            state.all_number = False
            return
    if not pc.all(pc.match_substring_regex(values, _FLOAT_VALUE_RE)).as_py():
        state.all_number = False


def _normalize_number(values: pa.Array) -> pa.Array:
    """Strip blanks and a leading '+', which Python's int()/float() accept and Arrow's cast does not."""
    import pyarrow.compute as pc

    return pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^\+", "")


def _convert_csv_column(column: pa.Array, kind: str) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = pc.equal(column, "")
    if kind == _KIND_BYTES:
        values = column.cast(pa.binary())
    else:
        target = pa.int64() if kind == _KIND_INT else pa.float32()
        cleaned = pc.if_else(missing, pa.scalar("0", pa.string()), _normalize_number(column))
        values = pc.cast(cleaned, target)
    if pc.any(missing).as_py():
        values = pc.if_else(missing, pa.scalar(None, values.type), values)
    return _list_array(values)


def _infer_csv_split(split: str, files: Sequence[InputFile]) -> tuple[list[str], dict[str, str]]:
    """First pass over a split's CSV files: check them, and infer each column's feature kind."""
    header: list[str] | None = None
    header_file = ""
    states: dict[str, _ColumnKind] = {}
    for f in files:
        _check_not_empty(f.path, f.size)
        this_header = _csv_header(f.path)
        if header is None:
            header, header_file = this_header, f.path
            states = {name: _ColumnKind() for name in header}
        elif this_header != header:
            raise InvalidInputDataError(
                f"CSV files of split {split!r} have different headers: {header_file} has {header} but "
                f"{f.path} has {this_header}"
            )
        rows = 0
        for batch in _csv_batches(f.path, this_header, use_threads=False):
            rows += batch.num_rows
            for name, column in zip(this_header, batch.columns, strict=True):
                _update_kind(states[name], column)
        if rows == 0:
            raise InvalidInputDataError(f"CSV file {f.path} has a header but no data rows")
    assert header is not None
    return header, {name: states[name].kind for name in header}


def _csv_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[_Batch]:
    import pyarrow as pa
    import pyarrow.compute as pc
    from tfx_bsl.coders import example_coder

    header, kinds = _infer_csv_split(split, files)
    log.info(
        "split %s: %d column(s): %s",
        split,
        len(header),
        ", ".join(f"{name}={kind}" for name, kind in kinds.items()),
    )
    if partition is not None and partition not in header:
        raise InvalidInputDataError(
            f"output_config.partition_feature_name {partition!r} is not a column of {files[0].path}; "
            f"columns: {header}"
        )
    encoder = example_coder.RecordBatchToExamplesEncoder()
    for f in files:
        for batch in _csv_batches(f.path, header, use_threads=True):
            if batch.num_rows == 0:
                continue
            converted = [
                _convert_csv_column(col, kinds[name]) for name, col in zip(header, batch.columns, strict=True)
            ]
            records = encoder.encode(pa.RecordBatch.from_arrays(converted, header))
            if partition is not None:
                key_column = batch.column(header.index(partition))
            else:
                key_column = pc.binary_join_element_wise(*batch.columns, "\x1f")
            keys = [k.encode("utf-8") for k in key_column.to_pylist()]
            yield _Batch(records, keys)


# --- Parquet ---


def _convert_arrow_column(path: str, name: str, column: pa.Array) -> tuple[pa.Array, str]:
    """A Parquet column as a list array of int64 / float32 / binary, and its feature kind."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as pat

    def primitive(values: pa.Array) -> tuple[pa.Array, str]:
        typ = values.type
        if pat.is_dictionary(typ):
            return primitive(values.dictionary_decode())
        if pat.is_integer(typ) or pat.is_boolean(typ):
            try:
                return pc.cast(values, pa.int64()), _KIND_INT
            except pa.ArrowInvalid as err:
                raise InvalidInputDataError(
                    f"Parquet file {path}: column {name!r} ({typ}) does not fit int64: {err}"
                ) from None
        if pat.is_floating(typ) or pat.is_decimal(typ):
            return pc.cast(values, pa.float32()), _KIND_FLOAT
        if pat.is_string(typ) or pat.is_large_string(typ) or pat.is_binary(typ) or pat.is_large_binary(typ):
            return pc.cast(values, pa.large_binary()), _KIND_BYTES
        if pat.is_fixed_size_binary(typ):
            return pc.cast(values, pa.binary()), _KIND_BYTES
        if pat.is_temporal(typ) or pat.is_null(typ):
            return pc.cast(pc.cast(values, pa.string()), pa.large_binary()), _KIND_BYTES
        raise InvalidInputDataError(
            f"Parquet file {path}: column {name!r} has type {typ}, which cannot become a tf.Example "
            "feature (supported: integers, booleans, floats, decimals, strings, binary, dates/times, "
            "and lists of these)"
        )

    typ = column.type
    if pat.is_list(typ) or pat.is_large_list(typ) or pat.is_fixed_size_list(typ):
        if pat.is_fixed_size_list(typ):
            column = pc.cast(column, pa.list_(typ.value_type))
        if pat.is_list(typ.value_type) or pat.is_large_list(typ.value_type) or pat.is_struct(typ.value_type):
            raise InvalidInputDataError(
                f"Parquet file {path}: column {name!r} has nested type {typ}; "
                "only lists of scalars are supported"
            )
        values, kind = primitive(column.values)
        list_type = pa.large_list(values.type)
        mask = column.is_null() if column.null_count else None
        rebuilt = pa.LargeListArray.from_arrays(pc.cast(column.offsets, pa.int64()), values, mask=mask)
        return rebuilt.cast(list_type), kind
    values, kind = primitive(column)
    return _list_array(values), kind


def _parquet_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[_Batch]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tfx_bsl.coders import example_coder

    schemas: list[tuple[str, pa.Schema]] = []
    for f in files:
        _check_not_empty(f.path, f.size)
        try:
            parquet = pq.ParquetFile(f.path)
        except (pa.ArrowException, OSError) as err:
            raise InvalidInputDataError(f"cannot read Parquet file {f.path}: {err}") from None
        if parquet.metadata.num_rows == 0:
            raise InvalidInputDataError(f"Parquet file {f.path} has no rows")
        schema = parquet.schema_arrow
        if schemas and schema.names != schemas[0][1].names:
            raise InvalidInputDataError(
                f"Parquet files of split {split!r} have different columns: {schemas[0][0]} has "
                f"{schemas[0][1].names} but {f.path} has {schema.names}"
            )
        schemas.append((f.path, schema))
    names = schemas[0][1].names
    if partition is not None and partition not in names:
        raise InvalidInputDataError(
            f"output_config.partition_feature_name {partition!r} is not a column of {files[0].path}; "
            f"columns: {names}"
        )
    encoder = example_coder.RecordBatchToExamplesEncoder()
    kinds: dict[str, str] = {}
    for f in files:
        try:
            batches = pq.ParquetFile(f.path).iter_batches(batch_size=_PARQUET_BATCH)
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                converted = []
                for name, column in zip(names, batch.columns, strict=True):
                    array, kind = _convert_arrow_column(f.path, name, column)
                    if kinds.setdefault(name, kind) != kind:
                        raise InvalidInputDataError(
                            f"Parquet files of split {split!r}: column {name!r} is {kinds[name]} in one file "
                            f"and {kind} in {f.path}"
                        )
                    converted.append(array)
                records = encoder.encode(pa.RecordBatch.from_arrays(converted, names))
                if partition is not None:
                    key_values = batch.column(names.index(partition)).to_pylist()
                    keys = [repr(v).encode("utf-8") for v in key_values]
                else:
                    keys = [
                        repr(row).encode("utf-8")
                        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True)
                    ]
                yield _Batch(records, keys)
        except pa.ArrowException as err:
            raise InvalidInputDataError(f"cannot read Parquet file {f.path}: {err}") from None
    log.info("split %s: column kinds %s", split, ", ".join(f"{k}={v}" for k, v in kinds.items()))


# --- TFRecord ---


def _tfrecord_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[_Batch]:
    import tensorflow as tf

    for f in files:
        _check_not_empty(f.path, f.size)
        compression = "GZIP" if f.path.endswith(".gz") else ""
        dataset = tf.data.TFRecordDataset([f.path], compression_type=compression).batch(_TFRECORD_BATCH)
        first = True
        index = 0
        try:
            for chunk in dataset.as_numpy_iterator():
                records = [bytes(r) for r in chunk]
                if first:
                    _check_example(f.path, records[0])
                    first = False
                if partition is not None:
                    keys = [_partition_key(f.path, index + i, r, partition) for i, r in enumerate(records)]
                else:
                    keys = records
                index += len(records)
                yield _Batch(records, keys)
        except tf.errors.OpError as err:
            raise InvalidInputDataError(
                f"cannot read TFRecord file {f.path} (compression {compression or 'none'}, chosen by the "
                f"'.gz' suffix) after {index} record(s): {err.message}"
            ) from None
        if first:
            raise InvalidInputDataError(f"TFRecord file {f.path} holds no records")


def _check_example(path: str, record: bytes) -> None:
    import tensorflow as tf
    from google.protobuf.message import DecodeError

    try:
        tf.train.Example.FromString(record)
    except DecodeError as err:
        raise InvalidInputDataError(
            f"TFRecord file {path}: the first record is not a tf.Example: {err}"
        ) from None


def _partition_key(path: str, index: int, record: bytes, partition: str) -> bytes:
    import tensorflow as tf

    example = tf.train.Example.FromString(record)
    if partition not in example.features.feature:
        raise InvalidInputDataError(
            f"TFRecord file {path}: record {index} has no feature {partition!r} "
            "(output_config.partition_feature_name)"
        )
    feature = example.features.feature[partition]
    kind = feature.WhichOneof("kind")
    values = list(getattr(feature, kind).value) if kind else []
    return repr(values).encode("utf-8")


_SOURCES: dict[str, Callable[[str, Sequence[InputFile], str | None], Iterator[_Batch]]] = {
    "csv": _csv_source,
    "parquet": _parquet_source,
    "tfrecord": _tfrecord_source,
}


# ---------------------------------------------------------------------------------------------
# Executor
# ---------------------------------------------------------------------------------------------


def _bucket(key: bytes, total: int) -> int:
    return int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[:8], "big") % total


def _num_shards(files: Sequence[InputFile]) -> int:
    total = sum(f.size for f in files)
    return max(1, min(_MAX_SHARDS, math.ceil(total / _BYTES_PER_SHARD)))


class _SplitWriter:
    """Writes one output split as ``num_shards`` gzipped TFRecord files, round robin."""

    def __init__(self, stack: ExitStack, examples: ArtifactRef, split: str, num_shards: int) -> None:
        import tensorflow as tf

        split_dir = examples.split_uri(split)
        tf.io.gfile.makedirs(split_dir)
        options = tf.io.TFRecordOptions(compression_type="GZIP")
        self.split = split
        self.count = 0
        self._writers = [
            stack.enter_context(tf.io.TFRecordWriter(shard_path(split_dir, i, num_shards), options))
            for i in range(num_shards)
        ]

    def write(self, record: bytes) -> None:
        self._writers[self.count % len(self._writers)].write(record)
        self.count += 1


def _single_output(outputs: Outputs) -> ArtifactRef:
    refs = outputs.get("examples")
    if not refs or len(refs) != 1:
        raise PipelineDefinitionError(f"ExampleGen writes exactly one 'examples' artifact, got {refs!r}")
    return refs[0]


def run_executor(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Read the input files of the resolved span and write them as Examples splits."""
    del inputs  # ExampleGen has no upstream artifacts
    validate_parameters(params)
    examples = _single_output(outputs)
    resolved = resolve_input(params, info)
    fmt = params["input_format"]
    output_splits, partition = _output_splits(params, len(resolved.splits))
    log.info(
        "ExampleGen (%s) from %s: span %d, version %s",
        fmt,
        resolved.input_base,
        resolved.span,
        resolved.version if resolved.has_version else "none (no {VERSION} in the pattern)",
    )
    for split, files in resolved.splits:
        for f in files:
            log.info("split %s: reading %s (%d bytes)", split, f.path, f.size)

    source = _SOURCES[fmt]
    with ExitStack() as stack:
        if output_splits is not None:
            ((in_split, files),) = resolved.splits
            shards = _num_shards(files)
            writers = [_SplitWriter(stack, examples, name, shards) for name, _ in output_splits]
            # bucket -> writer, e.g. train:2, eval:1 -> [train, train, eval]
            by_bucket = [
                w for w, (_, buckets) in zip(writers, output_splits, strict=True) for _ in range(buckets)
            ]
            log.info(
                "hash-splitting into %s%s",
                ", ".join(f"{n}:{b}" for n, b in output_splits),
                f" by feature {partition!r}" if partition else "",
            )
            _copy(source(in_split, files, partition), by_bucket, in_split)
            split_names = [name for name, _ in output_splits]
        else:
            writers = []
            for in_split, files in resolved.splits:
                writer = _SplitWriter(stack, examples, in_split, _num_shards(files))
                writers.append(writer)
                _copy(source(in_split, files, None), [writer], in_split)
            split_names = [name for name, _ in resolved.splits]
    for writer in writers:
        log.info("split %s: wrote %d example(s)", writer.split, writer.count)
        if writer.count == 0:
            log.warning(
                "split %s is empty: the input has too few examples for its hash buckets", writer.split
            )

    examples.properties["span"] = resolved.span
    examples.properties["version"] = resolved.version
    examples.split_names = split_names
    examples.properties["input_fingerprint"] = resolved.fingerprint()


def _copy(batches: Iterator[_Batch], by_bucket: Sequence[_SplitWriter], split: str) -> None:
    """Write every record to the writer of its hash bucket (no hashing with a single bucket)."""
    rows = 0
    next_report = _PROGRESS_EVERY
    total = len(by_bucket)
    for batch in batches:
        if total == 1:
            for record in batch.records:
                by_bucket[0].write(record)
        else:
            for record, key in zip(batch.records, batch.keys, strict=True):
                by_bucket[_bucket(key, total)].write(record)
        rows += len(batch.records)
        if rows >= next_report:
            log.info("split %s: %d rows read", split, rows)
            next_report = (rows // _PROGRESS_EVERY + 1) * _PROGRESS_EVERY
    log.info("split %s: %d rows read in total", split, rows)


# ---------------------------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------------------------


def _parameters(input_format: str, formats_doc: str) -> dict[str, Parameter]:
    return {
        "input_base": Parameter(REQUIRED, "folder holding the input files (may be an Airflow template)"),
        "input_config": Parameter(
            None,
            "{'splits': [{'name': ..., 'pattern': ...}]}: globs relative to input_base, may use {SPAN}, "
            "{VERSION}, {YYYY}{MM}{DD}; None = one split, pattern '*'",
        ),
        "output_config": Parameter(
            None,
            "{'split_config': {'splits': [{'name': ..., 'hash_buckets': N}]}, "
            "'partition_feature_name': ...}; None = train:eval 2:1 hash split of a single input split",
        ),
        "range_config": Parameter(
            None, "{'static_range': {'start_span_number': N, 'end_span_number': N}}: read span N"
        ),
        "span_from_data_interval": Parameter(
            True, "derive the span (or the {YYYY}{MM}{DD} date) from the run's data interval start"
        ),
        "input_format": Parameter(input_format, formats_doc),
    }


_OUTPUTS = {"examples": OutputSpec(EXAMPLES, "tf.Examples in gzipped TFRecords under Split-<name>/")}

CsvExampleGenSpec = ComponentSpec(
    name="CsvExampleGen",
    inputs={},
    outputs=_OUTPUTS,
    parameters=_parameters("csv", "'csv'"),
    executor=run_executor,
    executor_version="1",
    default_id="example_gen",
    input_fingerprint=input_fingerprint,
    validate_parameters=_validate_csv_parameters,
)

ImportExampleGenSpec = ComponentSpec(
    name="ImportExampleGen",
    inputs={},
    outputs=_OUTPUTS,
    parameters=_parameters("tfrecord", "'tfrecord' (tf.Example records, gzipped if '.gz') or 'parquet'"),
    executor=run_executor,
    executor_version="1",
    default_id="example_gen",
    input_fingerprint=input_fingerprint,
    validate_parameters=_validate_import_parameters,
)

__all__ = [
    "INPUT_FORMATS",
    "CsvExampleGenSpec",
    "ImportExampleGenSpec",
    "InputFile",
    "ResolvedInput",
    "input_fingerprint",
    "resolve_input",
    "run_executor",
    "validate_parameters",
]
