"""ExampleGen's input split patterns: the placeholder syntax and what it turns into.

A pattern is a glob relative to ``input_base`` that may hold ``{SPAN}``, ``{VERSION}`` (optionally
with a width, ``{SPAN:2}``) or a date: ``{YYYY}``, ``{MM}``, ``{DD}`` together, or ``{YYYY}`` and
``{MM}`` alone for monthly folders (the date is then the 1st of the month). :func:`parse_pattern` checks the
placeholders and gives a :class:`Pattern`: a glob to list candidate files and a regex to read
the span, version or date out of their paths. Pure string work: no file system access.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass

from airflow_tfx_provider.exceptions import PipelineDefinitionError

_PLACEHOLDER_RE = re.compile(r"\{(SPAN|VERSION|YYYY|MM|DD)(?::(\d+))?\}")
_DATE_PLACEHOLDERS = ("YYYY", "MM", "DD")
_DATE_WIDTHS = {"YYYY": 4, "MM": 2, "DD": 2}


@dataclass(frozen=True)
class Pattern:
    """An input split pattern: its placeholders, a glob to list candidates, a regex to parse them."""

    text: str
    placeholders: frozenset[str]
    glob: str
    regex: re.Pattern[str]

    @property
    def has_date(self) -> bool:
        return "YYYY" in self.placeholders

    @property
    def has_day(self) -> bool:
        """False for monthly patterns (``{YYYY}{MM}`` without ``{DD}``): their dates are 1st of month."""
        return "DD" in self.placeholders

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


def parse_pattern(split: str, pattern: str) -> Pattern:
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
    if dates and dates not in ({"YYYY", "MM", "DD"}, {"YYYY", "MM"}):
        raise PipelineDefinitionError(
            f"{where}: date placeholders must come together as {{YYYY}}{{MM}}{{DD}} (daily) or "
            "{YYYY}{MM} (monthly); found only "
            + ", ".join(f"{{{d}}}" for d in _DATE_PLACEHOLDERS if d in dates)
        )
    if dates and "SPAN" in seen:
        raise PipelineDefinitionError(f"{where}: use either {{SPAN}} or a date placeholder, not both")
    if "VERSION" in seen and not (dates or "SPAN" in seen):
        raise PipelineDefinitionError(
            f"{where}: {{VERSION}} needs {{SPAN}} or a date ({{YYYY}}{{MM}}{{DD}}) as well"
        )
    return Pattern(
        text=text,
        placeholders=frozenset(seen),
        glob="".join(glob_parts),
        regex=re.compile("".join(regex_parts) + r"\Z"),
    )
