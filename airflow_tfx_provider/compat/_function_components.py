"""TFX's Python-function components: ``@component`` with ``InputArtifact[...]``,
``OutputArtifact[...]``, ``Parameter[...]``, ``BeamComponentParameter[...]`` and ``OutputDict``.

``@component`` reads the function's signature when the DAG file is parsed and gives a component
class; calling it with inputs and parameters gives a pipeline node, which becomes an operator
running the function through the launcher (MLMD, cache, staging, atomic publish):

- ``InputArtifact[T]``: the upstream artifact (a ``tfx.types.Artifact`` with ``uri``, ...);
- ``OutputArtifact[T]``: an artifact whose ``uri`` is an empty folder to fill;
- ``Parameter[T]``: a value given in the pipeline (checked against ``T`` at parse time);
- an argument typed ``int``, ``float``, ``str``, ``bool`` or ``bytes``: an upstream value artifact's value;
- ``BeamComponentParameter[beam.Pipeline] = None``: a Beam pipeline with the run's ``beam_pipeline_args``;
- ``-> OutputDict(name=type, ...)``: the returned dict's values become value artifacts
  (``String``, ``Integer``, ``Float``, ``Boolean``, ``Bytes``, ``JsonValue``).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from airflow_tfx_provider.compat._artifacts import Artifact, ValueArtifact, as_artifact, write_values
from airflow_tfx_provider.compat._custom import CustomComponentNode, check_value, code_version
from airflow_tfx_provider.compat._pipeline import type_name
from airflow_tfx_provider.components.spec import (
    REQUIRED,
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
)
from airflow_tfx_provider.components.spec import Parameter as ParameterSpec
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import artifact_type

#: Python types of values that travel as value artifacts, and those artifacts' type names.
_VALUE_TYPE_NAMES: dict[Any, str] = {
    int: "Integer", float: "Float", str: "String", bool: "Boolean", bytes: "Bytes",
    dict: "JsonValue", list: "JsonValue",
}  # fmt: skip


class _Annotation:
    """``InputArtifact[Examples]`` and friends: a marker holding the inner type."""

    ROLE: ClassVar[str] = ""

    def __class_getitem__(cls, item: Any) -> Any:
        return _Marked(cls.ROLE, item)


@dataclass(frozen=True)
class _Marked:
    role: str
    inner: Any


if TYPE_CHECKING:  # to a type checker, ``InputArtifact[Examples]`` is an ``Examples``
    _T = TypeVar("_T")
    InputArtifact = Annotated[_T, "input"]
    OutputArtifact = Annotated[_T, "output"]
    Parameter = Annotated[_T, "parameter"]
    BeamComponentParameter = Annotated[_T, "beam"]
    AsyncOutputArtifact = Annotated[_T, "async_output"]
else:

    class InputArtifact(_Annotation):
        """TFX's ``InputArtifact[T]``: an input artifact of type ``T``."""

        ROLE = "input"

    class OutputArtifact(_Annotation):
        """TFX's ``OutputArtifact[T]``: an output artifact of type ``T``."""

        ROLE = "output"

    class Parameter(_Annotation):
        """TFX's ``Parameter[T]``: a value given in the pipeline definition."""

        ROLE = "parameter"

    class BeamComponentParameter(_Annotation):
        """TFX's ``BeamComponentParameter[beam.Pipeline]``: a Beam pipeline built from the run's args."""

        ROLE = "beam"

    class AsyncOutputArtifact(_Annotation):
        """TFX's ``AsyncOutputArtifact``: not supported here (no asynchronous nodes in Airflow)."""

        ROLE = "async_output"


@dataclass(frozen=True)
class OutputDict:
    """TFX's ``OutputDict(name=type, ...)``: return annotation of values the function returns."""

    outputs: Mapping[str, Any]

    def __init__(self, **outputs: Any) -> None:
        object.__setattr__(self, "outputs", dict(outputs))


@dataclass(frozen=True)
class _Argument:
    name: str
    role: str  # input, output, parameter, beam, value_input
    type_name: str | None  # artifact type of an input/output
    python_type: Any  # of a parameter or value input
    optional: bool


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _artifact_type_name(inner: Any, where: str) -> str:
    if isinstance(inner, type) and issubclass(inner, Artifact):
        return type_name(inner)
    raise PipelineDefinitionError(
        f"{where}: {inner!r} is not an artifact class (e.g. standard_artifacts.Model)"
    )


def _argument(name: str, param: inspect.Parameter, annotation: Any, where: str) -> _Argument:
    annotation, optional = _unwrap_optional(annotation)
    has_default = param.default is not inspect.Parameter.empty
    if has_default and param.default is not None and not isinstance(annotation, _Marked):
        optional = True
    if isinstance(annotation, _Marked):
        role, inner = annotation.role, annotation.inner
        if role == "async_output":
            raise PipelineDefinitionError(f"{where}: AsyncOutputArtifact is not supported here")
        if role in ("input", "output"):
            if role == "output" and (optional or has_default):
                raise PipelineDefinitionError(f"{where}: an OutputArtifact cannot be optional")
            return _Argument(name, role, _artifact_type_name(inner, where), None, optional or has_default)
        if role == "beam" and not (has_default and param.default is None):
            raise PipelineDefinitionError(f"{where}: a BeamComponentParameter must default to None")
        return _Argument(name, role, None, inner, optional or has_default)
    base = typing.get_origin(annotation) or annotation
    if base in _VALUE_TYPE_NAMES:
        return _Argument(name, "value_input", _VALUE_TYPE_NAMES[base], annotation, optional or has_default)
    raise PipelineDefinitionError(
        f"{where}: annotate it as InputArtifact[...], OutputArtifact[...], Parameter[...], "
        f"BeamComponentParameter[...] or a primitive type (int, float, str, bool, bytes), not {annotation!r}"
    )


def _check_parameter(value: Any, expected: Any, where: str) -> None:
    """A parameter value against its ``Parameter[T]`` type (primitives, dict, list, Optional)."""
    expected, _ = _unwrap_optional(expected)
    if expected is not Any:
        check_value(value, typing.get_origin(expected) or expected, where)


@dataclass(frozen=True)
class FunctionInterface:
    """What ``@component`` read from the function's signature."""

    name: str
    arguments: tuple[_Argument, ...]
    returned: Mapping[str, str]  # OutputDict key -> value artifact type name

    @classmethod
    def of(cls, function: Callable[..., Any]) -> FunctionInterface:
        name = function.__name__
        try:
            hints = typing.get_type_hints(function)
        except Exception as err:  # a NameError in a string annotation, ...
            raise PipelineDefinitionError(f"@component {name}: cannot read its annotations: {err}") from err
        arguments = []
        for arg_name, param in inspect.signature(function).parameters.items():
            where = f"@component {name}: argument {arg_name!r}"
            if arg_name not in hints:
                raise PipelineDefinitionError(f"{where} has no type annotation")
            arguments.append(_argument(arg_name, param, hints[arg_name], where))
        returned = hints.get("return")
        outputs: dict[str, str] = {}
        if isinstance(returned, OutputDict):
            for key, kind in returned.outputs.items():
                base = typing.get_origin(kind) or kind
                if base not in _VALUE_TYPE_NAMES:
                    raise PipelineDefinitionError(
                        f"@component {name}: OutputDict[{key!r}] must be int, float, str, bool, bytes, dict "
                        f"or list, got {kind!r}"
                    )
                outputs[key] = _VALUE_TYPE_NAMES[base]
        elif returned not in (None, type(None)):
            raise PipelineDefinitionError(
                f"@component {name}: return annotation must be OutputDict(...) or None, got {returned!r}"
            )
        clashes = sorted(set(outputs) & {a.name for a in arguments})
        if clashes:
            raise PipelineDefinitionError(
                f"@component {name}: {clashes} is both an argument and a returned output"
            )
        return cls(name, tuple(arguments), outputs)

    def spec(self, function: Callable[..., Any]) -> ComponentSpec:
        inputs = {
            a.name: InputSpec(artifact_type(str(a.type_name)), optional=a.optional)
            for a in self.arguments
            if a.role in ("input", "value_input")
        }
        outputs = {
            a.name: OutputSpec(artifact_type(str(a.type_name))) for a in self.arguments if a.role == "output"
        }
        outputs.update({key: OutputSpec(artifact_type(name)) for key, name in self.returned.items()})
        signature = inspect.signature(function)
        parameters = {}
        for a in self.arguments:
            if a.role == "parameter":
                default = signature.parameters[a.name].default
                parameters[a.name] = ParameterSpec(
                    default=REQUIRED if default is inspect.Parameter.empty else default
                )
        return ComponentSpec(
            name=self.name,
            inputs=inputs,
            outputs=outputs,
            parameters=parameters,
            executor=_FunctionExecutor(function, self),
            executor_version=code_version(function),
            default_id=self.name,
            validate_parameters=self.check_parameters,
            doc=inspect.getdoc(function) or "",
        )

    def check_parameters(self, values: dict[str, Any]) -> None:
        for a in self.arguments:
            if a.role == "parameter" and a.name in values:
                _check_parameter(
                    values[a.name], a.python_type, f"@component {self.name}: parameter {a.name!r}"
                )


class _FunctionExecutor:
    """The executor of a function component: artifacts in, the function called, values out."""

    def __init__(self, function: Callable[..., Any], interface: FunctionInterface) -> None:
        self.function = function
        self.interface = interface

    def __call__(self, inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
        kwargs: dict[str, Any] = {}
        produced: list[Artifact] = []
        for a in self.interface.arguments:
            if a.role == "input":
                refs = inputs.get(a.name, [])
                kwargs[a.name] = as_artifact(refs[0]) if refs else None
            elif a.role == "value_input":
                refs = inputs.get(a.name, [])
                value = as_artifact(refs[0]) if refs else None
                kwargs[a.name] = value.value if isinstance(value, ValueArtifact) else None
            elif a.role == "output":
                artifact = as_artifact(outputs[a.name][0])
                kwargs[a.name] = artifact
                produced.append(artifact)
            elif a.role == "parameter":
                if a.name in params:
                    kwargs[a.name] = params[a.name]
            elif a.role == "beam":
                from airflow_tfx_provider.components._beam import make_pipeline

                kwargs[a.name] = make_pipeline(info)
        returned = self.function(**kwargs)
        self._store_returned(returned, outputs)
        write_values(produced)

    def _store_returned(self, returned: Any, outputs: Outputs) -> None:
        name, expected = self.interface.name, self.interface.returned
        if not expected:
            return
        if not isinstance(returned, Mapping):
            raise TypeError(f"@component {name} must return a dict with {sorted(expected)}, got {returned!r}")
        missing = sorted(set(expected) - set(returned))
        if missing:
            raise TypeError(f"@component {name} returned no value for {missing} (declared in its OutputDict)")
        for key in expected:
            artifact = as_artifact(outputs[key][0])
            assert isinstance(artifact, ValueArtifact)
            try:
                artifact.value = returned[key]
            except TypeError as err:
                raise TypeError(f"@component {name}: returned {key!r}: {err}") from None
            artifact.write()


class BaseFunctionalComponent(CustomComponentNode):
    """A node of a ``@component`` function (TFX's ``BaseFunctionalComponent``)."""

    SPEC: ClassVar[ComponentSpec]
    INTERFACE: ClassVar[FunctionInterface]

    def __init__(self, **kwargs: Any) -> None:
        spec = self.SPEC
        known = set(spec.inputs) | set(spec.parameters)
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise PipelineDefinitionError(
                f"{spec.name}: {unknown} not among its inputs {sorted(spec.inputs)} and parameters "
                f"{sorted(spec.parameters)}"
            )
        inputs = {k: v for k, v in kwargs.items() if k in spec.inputs}
        parameters = {k: v for k, v in kwargs.items() if k in spec.parameters}
        resolved = spec.resolve_parameters(parameters, where=spec.name)
        self.INTERFACE.check_parameters(resolved)
        missing = [k for k, s in spec.inputs.items() if not s.optional and inputs.get(k) is None]
        if missing:
            raise PipelineDefinitionError(f"{spec.name}: missing input(s) {missing}")
        super().__init__(spec, inputs, parameters)


BaseFunctionalComponentFactory = type  # TFX's name for what ``@component`` returns (a class)


def component(
    function: Callable[..., Any] | None = None, *, component_annotation: Any = None, use_beam: bool = False
) -> Any:
    """TFX's ``@component`` / ``@component(use_beam=True)``: a component class from a function."""
    if component_annotation is not None:
        raise PipelineDefinitionError("@component(component_annotation=...) is not supported here")

    def decorate(fn: Callable[..., Any]) -> type[BaseFunctionalComponent]:
        interface = FunctionInterface.of(fn)
        has_beam = any(a.role == "beam" for a in interface.arguments)
        if use_beam and not has_beam:
            raise PipelineDefinitionError(
                f"@component(use_beam=True) {fn.__name__}: add an argument "
                "'beam_pipeline: BeamComponentParameter[beam.Pipeline] = None'"
            )
        namespace = {
            "SPEC": interface.spec(fn),
            "INTERFACE": interface,
            "__doc__": fn.__doc__,
            "__module__": fn.__module__,
            "__wrapped__": fn,
        }
        return type(fn.__name__, (BaseFunctionalComponent,), namespace)

    return decorate if function is None else decorate(function)
