"""Which files an ExampleGen run reads: list the matches of each split pattern on disk and pick
the span and version (see the rules in :mod:`airflow_tfx_provider.components.example_gen`).

Standard library only (``glob``/``os``), so it is cheap enough for the caching layer's
fingerprint. Raises ``InvalidInputDataError`` when the files cannot be resolved.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from airflow_tfx_provider.components.example_gen.patterns import Pattern
from airflow_tfx_provider.exceptions import InvalidInputDataError

# The component's logger: ExampleGen's records keep one logger name whichever module writes them.
log = logging.getLogger("airflow_tfx_provider.components.example_gen")

_EPOCH = dt.date(1970, 1, 1)


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


def _date_span(day: dt.date) -> int:
    """The span of a date: days since 1970-01-01."""
    return (day - _EPOCH).days


def _span_date(span: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=span)


def _list_candidates(base: str, split: str, pattern: Pattern) -> list[_Candidate]:
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
                day = dt.date(int(groups["YYYY"]), int(groups["MM"]), int(groups.get("DD") or 1))
            except ValueError:
                shown = "-".join(groups[d] for d in ("YYYY", "MM", "DD") if groups.get(d))
                raise InvalidInputDataError(
                    f"input file {path} matches {full_pattern} but {shown} is not a valid date"
                ) from None
            span = _date_span(day)
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


def _span_text(pattern: Pattern, span: int) -> str:
    if pattern.has_date and not pattern.has_day:
        return f"month {_span_date(span):%Y-%m} (span {span})"
    if pattern.has_date:
        return f"date {_span_date(span)} (span {span})"
    return f"span {span}"


def _resolve_split(
    base: str,
    split: str,
    pattern: Pattern,
    range_span: int | None,
    interval_date: dt.date | None,
) -> tuple[int, int | None, list[str]]:
    """(span, version, files) of one split. Version is None for patterns without {VERSION}."""
    candidates = _list_candidates(base, split, pattern)
    full_pattern = os.path.join(base, pattern.text)
    if not (pattern.has_span or pattern.has_date):
        span = _date_span(interval_date) if interval_date is not None else 0
        return span, None, [c.path for c in candidates]

    available = sorted({c.span for c in candidates if c.span is not None})
    if range_span is not None:
        span, why = range_span, "from range_config"
    elif pattern.has_date and interval_date is not None:
        day = interval_date if pattern.has_day else interval_date.replace(day=1)  # monthly: its 1st
        span, why = _date_span(day), "from the run's data interval start"
    else:
        span, why = available[-1], "the latest found"
    chosen = [c for c in candidates if c.span == span]
    if not chosen:
        if pattern.has_date:
            expected = os.path.join(base, pattern.fill(date=_span_date(span)))
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


def check_input_base(base: str) -> None:
    """Raise ``InvalidInputDataError`` unless ``base`` is an existing folder."""
    if not os.path.exists(base):
        raise InvalidInputDataError(f"input_base {base} does not exist")
    if not os.path.isdir(base):
        raise InvalidInputDataError(f"input_base {base} is not a folder")


def resolve_files(
    base: str,
    splits: Sequence[tuple[str, Pattern]],
    range_span: int | None,
    interval_date: dt.date | None,
) -> ResolvedInput:
    """The files of every split under ``base`` (checked by :func:`check_input_base`), for one span.

    ``range_span`` is ``range_config``'s span, ``interval_date`` the date of the run's data
    interval start (``None`` when absent or not to be used). Every split must resolve to the
    same span and version.
    """
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
