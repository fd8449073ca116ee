"""The Evaluator's ``eval_config`` parameter: cheap checks at DAG parse time, full parsing at run time.

``eval_config`` is a ``tfma.EvalConfig`` in one of four forms:

- the proto itself (``tfma.EvalConfig(...)``);
- its dict form, as ``google.protobuf.json_format`` reads it (snake_case or camelCase
  field names; a wrapped number may also be written ``{"value": 0.6}``, as in TFX's Python
  examples);
- the same as a JSON string (a string whose first non-blank character is ``{``);
- its text-proto form (any other string), e.g. ``'metrics_specs { metrics { class_name: "AUC" } }'``.

``check_eval_config`` runs when the DAG file is parsed and must stay cheap: it imports
neither TFMA nor TensorFlow (importing them costs seconds), so EvalConfig's field tree is
written down here (``MESSAGES``; a unit test compares it with TFMA's descriptor). It reads
the dict, JSON and text forms into a plain tree and checks field names, list-ness and value
kinds (thresholds are numbers, enum names are known, ...), raising ``PipelineDefinitionError``
with the path of the bad field. ``parse_eval_config`` runs at task start, parses fully with
``json_format`` / ``text_format`` and turns parse errors into ``PipelineDefinitionError``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError

if TYPE_CHECKING:
    import tensorflow_model_analysis as tfma


# --- EvalConfig's field tree (tensorflow_model_analysis/proto/config.proto, TFMA 0.47) ------------
@dataclass(frozen=True)
class Field:
    """One field: ``kind`` is a message name in ``MESSAGES`` or a scalar kind.

    Scalar kinds: ``string``, ``bool``, ``int``, ``double``, ``enum:<A|B|C>``, ``any``
    (not checked here; left to the full parser). ``wrapper`` marks google.protobuf wrapper
    types (DoubleValue, BoolValue, ...). ``map`` fields are ``map<string, kind>``.
    """

    kind: str
    repeated: bool = False
    map: bool = False
    wrapper: bool = False


_S, _B, _I, _D, _ANY = Field("string"), Field("bool"), Field("int"), Field("double"), Field("any")
_RS = Field("string", repeated=True)
_MS = Field("string", map=True)


def _msg(name: str, *, repeated: bool = False, map: bool = False) -> Field:
    return Field(name, repeated=repeated, map=map)


MESSAGES: dict[str, dict[str, Field]] = {
    "EvalConfig": {
        "model_specs": _msg("ModelSpec", repeated=True),
        "slicing_specs": _msg("SlicingSpec", repeated=True),
        "cross_slicing_specs": _msg("CrossSlicingSpec", repeated=True),
        "metrics_specs": _msg("MetricsSpec", repeated=True),
        "options": _msg("Options"),
    },
    "ModelSpec": {
        "name": _S,
        "model_type": _S,
        "signature_name": _S,
        "preprocessing_function_names": _RS,
        "label_key": _S,
        "label_keys": _MS,
        "prediction_key": _S,
        "prediction_keys": _MS,
        "example_weight_key": _S,
        "example_weight_keys": _MS,
        "is_baseline": _B,
        "padding_options": _ANY,
        "inference_batch_size": _I,
    },
    "SlicingSpec": {"feature_keys": _RS, "feature_values": _MS, "slice_keys_sql": _S},
    "CrossSlicingSpec": {
        "baseline_spec": _msg("SlicingSpec"),
        "slicing_specs": _msg("SlicingSpec", repeated=True),
    },
    "MetricsSpec": {
        "metrics": _msg("MetricConfig", repeated=True),
        "model_names": _RS,
        "output_names": _RS,
        "output_weights": Field("double", map=True),
        "binarize": _ANY,
        "aggregate": _ANY,
        "example_weights": _ANY,
        "query_key": _S,
        "thresholds": _msg("MetricThreshold", map=True),
        "per_slice_thresholds": _msg("PerSliceMetricThresholds", map=True),
        "cross_slice_thresholds": _msg("CrossSliceMetricThresholds", map=True),
    },
    "MetricConfig": {
        "class_name": _S,
        "module": _S,
        "config": _S,
        "threshold": _msg("MetricThreshold"),
        "per_slice_thresholds": _msg("PerSliceMetricThreshold", repeated=True),
        "cross_slice_thresholds": _msg("CrossSliceMetricThreshold", repeated=True),
    },
    "MetricThreshold": {
        "value_threshold": _msg("GenericValueThreshold"),
        "change_threshold": _msg("GenericChangeThreshold"),
    },
    "GenericValueThreshold": {
        "lower_bound": Field("double", wrapper=True),
        "upper_bound": Field("double", wrapper=True),
    },
    "GenericChangeThreshold": {
        "absolute": Field("double", wrapper=True),
        "relative": Field("double", wrapper=True),
        "direction": Field("enum:UNKNOWN|LOWER_IS_BETTER|HIGHER_IS_BETTER"),
    },
    "PerSliceMetricThreshold": {
        "slicing_specs": _msg("SlicingSpec", repeated=True),
        "threshold": _msg("MetricThreshold"),
    },
    "PerSliceMetricThresholds": {"thresholds": _msg("PerSliceMetricThreshold", repeated=True)},
    "CrossSliceMetricThreshold": {
        "cross_slicing_specs": _msg("CrossSlicingSpec", repeated=True),
        "threshold": _msg("MetricThreshold"),
    },
    "CrossSliceMetricThresholds": {"thresholds": _msg("CrossSliceMetricThreshold", repeated=True)},
    "Options": {
        "include_default_metrics": Field("bool", wrapper=True),
        "compute_confidence_intervals": Field("bool", wrapper=True),
        "confidence_intervals": _ANY,
        "min_slice_size": Field("int", wrapper=True),
        "disabled_outputs": _ANY,
    },
}


def json_name(name: str) -> str:
    """protobuf's JSON (camelCase) name of a snake_case field name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_BY_JSON_NAME: dict[str, dict[str, str]] = {
    message: {**{json_name(f): f for f in fields}, **{f: f for f in fields}}
    for message, fields in MESSAGES.items()
}


def _fail(component: str, path: str, problem: str) -> PipelineDefinitionError:
    return PipelineDefinitionError(f"{component}: eval_config field {path}: {problem}")


# --- checking a plain tree (dict form; the JSON and text forms are read into it) ------------
def _check_scalar(value: Any, field: Field, path: str, component: str) -> Any:
    """Check one scalar value; return it with a ``{"value": x}`` wrapper removed."""
    kind = field.kind
    if field.wrapper and isinstance(value, Mapping):
        if set(value) != {"value"}:
            raise _fail(
                component, path, f"a wrapped {kind} is a plain value or {{'value': ...}}, got {value!r}"
            )
        value = value["value"]
    if kind == "any":
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise _fail(component, path, f"must be a string, got {type(value).__name__} {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(component, path, f"must be true or false, got {value!r}")
    elif kind == "int":
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()))
        ):
            raise _fail(component, path, f"must be an integer, got {value!r}")
    elif kind == "double":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(value, str):
            try:
                float(value)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            raise _fail(component, path, f"must be a number, got {type(value).__name__} {value!r}")
        if isinstance(value, float) and math.isnan(value):
            raise _fail(component, path, "must be a number, got NaN")
    elif kind.startswith("enum:"):
        names = kind[len("enum:") :].split("|")
        if isinstance(value, bool) or not (
            (isinstance(value, str) and value in names)
            or (isinstance(value, int) and 0 <= value < len(names))
        ):
            raise _fail(component, path, f"must be one of {names}, got {value!r}")
    return value


def _check_value(value: Any, field: Field, path: str, component: str) -> Any:
    if field.kind in MESSAGES:
        return _check_message(value, field.kind, path, component)
    return _check_scalar(value, field, path, component)


def _check_message(value: Any, message: str, path: str, component: str) -> dict[str, Any]:
    """Check a dict against ``MESSAGES[message]``; return a copy fit for ``json_format.ParseDict``."""
    if not isinstance(value, Mapping):
        raise _fail(
            component, path, f"must be a {message} object (dict), got {type(value).__name__} {value!r}"
        )
    fields = MESSAGES[message]
    names = _BY_JSON_NAME[message]
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or key not in names:
            raise _fail(
                component, f"{path}.{key}", f"{message} has no field {key!r}; its fields are {sorted(fields)}"
            )
        name = names[key]
        if name in result:
            raise _fail(component, f"{path}.{key}", f"field {name!r} is given twice")
        field = fields[name]
        where = f"{path}.{name}"
        if field.map:
            if not isinstance(item, Mapping):
                raise _fail(
                    component, where, f"must be a dict (map of name -> value), got {type(item).__name__}"
                )
            bad = [k for k in item if not isinstance(k, str)]
            if bad:
                raise _fail(component, where, f"map keys must be strings, got {bad!r}")
            result[name] = {k: _check_value(v, field, f"{where}[{k!r}]", component) for k, v in item.items()}
        elif field.repeated:
            if not isinstance(item, list | tuple):
                raise _fail(component, where, f"must be a list, got {type(item).__name__} {item!r}")
            result[name] = [_check_value(v, field, f"{where}[{i}]", component) for i, v in enumerate(item)]
        else:
            result[name] = _check_value(item, field, where, component)
    return result


# --- the text-proto form, read into a plain tree (enough to check names and kinds) -----------
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+|\n)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?))
  | (?P<ident>-?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}<>:\[\],;])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    column: int


def _tokenize(text: str, component: str) -> list[_Token]:
    tokens: list[_Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise PipelineDefinitionError(
                f"{component}: eval_config (text proto) line {line}, column {pos - line_start + 1}: "
                f"unexpected character {text[pos]!r}"
            )
        kind = match.lastgroup or ""
        if kind == "space" and match.group() == "\n":
            line, line_start = line + 1, match.end()
        elif kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), line, match.start() - line_start + 1))
        pos = match.end()
    return tokens


class _Msg(list[tuple[str, Any, _Token]]):
    """A message in text format: its (field name, value, name token) entries in order."""


class _Ident(str):
    """An identifier value in text format: an enum name, true/false, inf or nan."""


class _TextReader:
    """A recursive-descent reader of protobuf text format into ``_Msg`` trees."""

    def __init__(self, tokens: list[_Token], component: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.component = component

    def error(self, problem: str, token: _Token | None = None) -> PipelineDefinitionError:
        token = token or self.peek()
        where = f"line {token.line}, column {token.column}" if token else "at the end of the text"
        return PipelineDefinitionError(f"{self.component}: eval_config (text proto) {where}: {problem}")

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of text")
        self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == text:
            self.pos += 1
            return True
        return False

    def message(self, closer: str | None) -> _Msg:
        result = _Msg()
        while True:
            if self.peek() is None:
                if closer is not None:
                    raise self.error(f"missing {closer!r}")
                return result
            if closer is not None and self.accept(closer):
                return result
            name = self.take()
            if name.kind != "ident" or name.text.startswith("-"):
                raise self.error(f"expected a field name, got {name.text!r}", name)
            colon = self.accept(":")
            result.append((name.text, self.value(colon), name))
            if not self.accept(","):
                self.accept(";")

    def value(self, after_colon: bool) -> Any:
        if self.accept("{"):
            return self.message("}")
        if self.accept("<"):
            return self.message(">")
        if self.accept("["):
            items: list[Any] = []
            if self.accept("]"):
                return items
            while True:
                items.append(self.value(True))
                if self.accept("]"):
                    return items
                if not self.accept(","):
                    raise self.error("expected ',' or ']' in a list")
        if not after_colon:
            raise self.error("expected ':' or '{' after a field name")
        token = self.take()
        if token.kind == "string":
            parts = [token]
            while (nxt := self.peek()) is not None and nxt.kind == "string":
                parts.append(self.take())
            return "".join(_unquote(p.text) for p in parts)
        if token.kind == "number":
            text = token.text
            if text.lstrip("-")[:2].lower() == "0x":
                return int(text, 16)
            return float(text.rstrip("fF")) if re.search(r"[.eEfF]", text) else int(text)
        if token.kind == "ident":
            return _Ident(token.text)
        raise self.error(f"expected a value, got {token.text!r}", token)


_TEXT_BOOLS = {"true": True, "t": True, "True": True, "false": False, "f": False, "False": False}


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    try:
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return body


def _text_scalar(value: Any, field: Field, path: str, component: str) -> Any:
    """A text-format scalar turned into the Python type the dict checker expects, then checked."""
    kind = field.kind
    if isinstance(value, _Msg):
        if field.wrapper:  # lower_bound { value: 0.5 }
            inner = {n: v for n, v, _ in value}
            if set(inner) != {"value"}:
                raise _fail(component, path, f"a wrapped {kind} is written {{ value: ... }}")
            return _text_scalar(inner["value"], Field(kind), path, component)
        raise _fail(component, path, f"must be a {kind} value, got a message {{ ... }}")
    if isinstance(value, list):
        raise _fail(component, path, f"must be one {kind} value, got a list")
    if field.wrapper:  # text format has no shorthand for wrapper types
        raise _fail(component, path, f"a wrapped {kind} is written {{ value: ... }}, got {value!r}")
    if isinstance(value, _Ident):
        if kind == "string":
            raise _fail(component, path, f"must be a quoted string, got {value}")
        if kind == "bool" and value in _TEXT_BOOLS:
            return _TEXT_BOOLS[value]
        if kind == "double" and value.lstrip("-").lower() in ("inf", "infinity", "nan"):
            return 0.0  # valid in text format; its value does not matter for these checks
        value = str(value)
    elif isinstance(value, int | float):
        if kind == "string":
            raise _fail(component, path, f"must be a quoted string, got {value}")
        if kind == "bool" and value in (0, 1):
            value = bool(value)
    return _check_scalar(value, field, path, component)


def _text_item(value: Any, field: Field, path: str, line: int, component: str) -> Any:
    if field.kind in MESSAGES:
        if not isinstance(value, _Msg):
            raise _fail(
                component, f"{path} (line {line})", f"must be a {field.kind} message {{ ... }}, got {value!r}"
            )
        return _text_message(value, field.kind, path, component)
    if field.kind == "any":
        return value
    return _text_scalar(value, field, f"{path} (line {line})", component)


def _text_message(items: _Msg, message: str, path: str, component: str) -> dict[str, Any]:
    """Fold repeated occurrences and map entries into the dict form, checking as it goes."""
    fields = MESSAGES[message]
    result: dict[str, Any] = {}
    for name, value, token in items:
        here, line = f"{path}.{name}", token.line
        at = f"{here} (line {line})"
        if name not in fields:
            raise _fail(component, at, f"{message} has no field {name!r}; its fields are {sorted(fields)}")
        field = fields[name]
        many = isinstance(value, list) and not isinstance(value, _Msg)  # name: [a, b]
        if many and not (field.repeated or field.map):
            raise _fail(component, at, f"{name!r} is not repeated; it takes one value, not a list")
        for item in value if many else [value]:
            if field.map:
                entry = {n: v for n, v, _ in item} if isinstance(item, _Msg) else None
                key = entry.get("key") if entry is not None else None
                if entry is None or set(entry) - {"key", "value"} or not isinstance(key, str) or (
                    isinstance(key, _Ident)
                ):  # fmt: skip
                    raise _fail(component, at, 'a map entry is written { key: "..." value: ... }')
                entry_value = entry.get("value", _Msg() if field.kind in MESSAGES else None)
                result.setdefault(name, {})[key] = (
                    None
                    if entry_value is None
                    else _text_item(entry_value, field, f"{here}[{key!r}]", line, component)
                )
            elif field.repeated:
                items_so_far = result.setdefault(name, [])
                items_so_far.append(_text_item(item, field, f"{here}[{len(items_so_far)}]", line, component))
            else:
                if name in result:
                    raise _fail(component, at, f"{name!r} is not repeated but is given more than once")
                result[name] = _text_item(item, field, here, line, component)
    return result


def _read_text(text: str, component: str) -> dict[str, Any]:
    root = _TextReader(_tokenize(text, component), component).message(None)
    return _text_message(root, "EvalConfig", "eval_config", component)


# --- public API ---------------------------------------------------------------------------------
def is_proto(value: Any) -> bool:
    return hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString")


def _read_json(text: str, component: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise PipelineDefinitionError(
            f"{component}: eval_config looks like JSON but does not parse: {err.msg} "
            f"(line {err.lineno}, column {err.colno})"
        ) from None


def check_eval_config(value: Any, component: str) -> None:
    """Cheap structural checks of every form (no TFMA/TF import); ``PipelineDefinitionError`` if wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PipelineDefinitionError(
            f"{component}: eval_config is required (a tfma.EvalConfig or its dict form)"
        )
    if is_proto(value):
        if type(value).__name__ != "EvalConfig":
            raise PipelineDefinitionError(
                f"{component}: eval_config must be a tfma.EvalConfig, got a {type(value).__name__} message"
            )
        return
    if isinstance(value, str):
        if value.lstrip().startswith("{"):
            _check_message(_read_json(value, component), "EvalConfig", "eval_config", component)
        else:
            _read_text(value, component)
        return
    if isinstance(value, Mapping):
        _check_message(value, "EvalConfig", "eval_config", component)
        return
    raise PipelineDefinitionError(
        f"{component}: eval_config must be a tfma.EvalConfig, its dict form, a JSON string or a text-proto "
        f"string, got {type(value).__name__}"
    )


def parse_eval_config(value: Any, component: str) -> tfma.EvalConfig:
    """The full ``tfma.EvalConfig`` of any accepted form (a fresh copy); parse errors name the field."""
    import tensorflow_model_analysis as tfma
    from google.protobuf import json_format, text_format

    check_eval_config(value, component)
    config = tfma.EvalConfig()
    if is_proto(value):
        config.ParseFromString(value.SerializeToString())
        return config
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        try:
            text_format.Parse(value, config)
        except text_format.ParseError as err:
            message = re.sub(r"^\d+:\d+ : ", "", str(err))
            if message.startswith("'") and "': " in message:  # drop the quoted line the parser repeats
                message = message.rsplit("': ", 1)[1]
            where = f"line {err.GetLine()}, column {err.GetColumn()}: " if err.GetLine() is not None else ""
            raise PipelineDefinitionError(
                f"{component}: eval_config (text proto) is not a valid tfma.EvalConfig: {where}{message}"
            ) from None
        return config
    tree = _read_json(value, component) if isinstance(value, str) else value
    normalized = _check_message(tree, "EvalConfig", "eval_config", component)  # unwraps {"value": x}
    try:
        json_format.ParseDict(normalized, config)
    except json_format.ParseError as err:
        raise PipelineDefinitionError(
            f"{component}: eval_config is not a valid tfma.EvalConfig: {err}"
        ) from None
    return config
