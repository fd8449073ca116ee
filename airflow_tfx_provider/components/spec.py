"""What a component is: a spec (inputs, outputs, parameters) plus a pure executor.

A spec is light: it names its executor (and its run-time hooks) by dotted path, e.g.
``"airflow_tfx_provider.components.statistics_gen.executor.run"``, and the launcher imports
them when the task runs. Importing a spec therefore loads no TensorFlow, TFDV, Beam or MLMD,
so DAG files parse fast; an executor module imports its heavy libraries at the top.

An executor is a plain function ``run(inputs, outputs, params, info)``:

- ``inputs``: input key -> list of ``ArtifactRef`` (already checked against MLMD);
- ``outputs``: output key -> list of ``ArtifactRef`` whose ``uri`` is an empty folder to fill
  (a staging folder; the launcher publishes it atomically afterwards);
- ``params``: parameter name -> value (defaults filled in, templates rendered);
- ``info``: the run it belongs to (data interval, Beam args, ...).

It never sees XCom, MLMD or the Airflow context, so it runs in plain pytest. It may set
properties on output refs (``span``, ``split_names``, ...).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef, ArtifactType


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class InputSpec:
    type: ArtifactType
    optional: bool = False
    doc: str = ""


@dataclass(frozen=True)
class OutputSpec:
    """An output. An ``optional`` one may be left empty by the executor; it is then not published."""

    type: ArtifactType
    doc: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Parameter:
    """A component parameter.

    ``module_file`` parameters (a path) and ``function_path`` parameters (a dotted path such
    as ``"my_pkg.model.run_fn"``) are content-hashed for caching: editing the code they name
    invalidates the cache.
    """

    default: Any = REQUIRED
    doc: str = ""
    module_file: bool = False
    function_path: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class ExecutionInfo:
    """Facts about the run an executor works for. No Airflow objects.

    The operator builds it once per task run; the launcher fills in ``execution_id`` and hands
    the same object to the executor (and to the spec's gate and input fingerprint).
    """

    pipeline_name: str = "pipeline"
    pipeline_root: str = ""
    run_id: str = "manual"
    component_id: str = "component"
    execution_id: int = 0
    logical_date: dt.datetime | None = None
    data_interval_start: dt.datetime | None = None
    data_interval_end: dt.datetime | None = None
    beam_pipeline_args: tuple[str, ...] = ()
    temp_dir: str = ""
    run_type: str = ""  # Airflow's DagRun run type: "scheduled", "manual", "backfill", ...


Inputs = Mapping[str, list[ArtifactRef]]
Outputs = Mapping[str, list[ArtifactRef]]
Executor = Callable[[Inputs, Outputs, dict[str, Any], ExecutionInfo], None]
InputFingerprint = Callable[[dict[str, Any], ExecutionInfo], str]


#: Decides before anything runs whether the component may run: a reason to skip, or None.
@dataclass(frozen=True)
class Refusal:
    """A gate's no: ``code`` in a word (``not_blessed``, ``backfill``), ``reason`` for people."""

    code: str
    reason: str


#: A spec's gate: ``None`` lets the component run; a ``Refusal`` (or a plain reason) skips it.
Gate = Callable[[Inputs, dict[str, Any], ExecutionInfo], "Refusal | str | None"]


_DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@functools.cache
def load_function(path: str, *, where: str) -> Any:
    """Import ``"package.module.function"`` and return the function; errors name ``where``."""
    module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise PipelineDefinitionError(
            f"{where}: cannot import module {module_name!r} of {path!r}: {err}"
        ) from err
    function = getattr(module, attribute, None)
    if not callable(function):
        raise PipelineDefinitionError(f"{where}: module {module_name!r} has no function {attribute!r}")
    return function


@dataclass(frozen=True)
class ComponentSpec:
    """A component: name, typed inputs and outputs, parameters, executor.

    ``executor`` is the dotted path of the executor function (an ``Executor``), imported only
    when the task runs; a custom component declared in a DAG file (TFX's ``@component``) gives
    the function itself, which every process that runs the task has from parsing that file.
    ``executor_version`` goes into the cache fingerprint: bump it when the executor's output
    for the same inputs changes. ``input_fingerprint`` (optional, dotted path of an
    ``InputFingerprint``) adds facts the MLMD inputs do not capture, such as the size and
    mtime of external files ExampleGen reads. ``gate`` (optional, dotted path of a ``Gate``) may
    refuse to run, e.g. Pusher when a blessing says no: the launcher records a CANCELED
    execution and raises ``ComponentSkipped``. ``validate_parameters`` runs when the DAG is
    parsed, so it is a function (it must import nothing heavy).
    """

    name: str
    inputs: Mapping[str, InputSpec]
    outputs: Mapping[str, OutputSpec]
    parameters: Mapping[str, Parameter]
    executor: str | Executor
    executor_version: str = "1"
    default_id: str = ""
    input_fingerprint: str | None = None
    validate_parameters: Callable[[dict[str, Any]], None] | None = None
    gate: str | None = None
    doc: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for role in ("executor", "input_fingerprint", "gate"):
            path = getattr(self, role)
            if role == "executor" and callable(path):
                continue
            if path is not None and not (isinstance(path, str) and _DOTTED_PATH.match(path)):
                raise PipelineDefinitionError(
                    f"{self.name}: {role} must be the dotted path of a function "
                    f"(e.g. 'my_pkg.my_component.executor.run'), got {path!r}"
                )

    def load_executor(self) -> Executor:
        """The executor function (imports its module and, with it, the heavy libraries)."""
        if callable(self.executor):
            return self.executor
        executor: Executor = load_function(self.executor, where=f"{self.name} executor")
        return executor

    def load_gate(self) -> Gate | None:
        return None if self.gate is None else load_function(self.gate, where=f"{self.name} gate")

    def load_input_fingerprint(self) -> InputFingerprint | None:
        if self.input_fingerprint is None:
            return None
        return load_function(self.input_fingerprint, where=f"{self.name} input fingerprint")

    def resolve_parameters(self, given: Mapping[str, Any], *, where: str) -> dict[str, Any]:
        """Fill defaults and check names; raise ``PipelineDefinitionError`` naming the culprit."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            raise PipelineDefinitionError(
                f"{where}: unknown parameter(s) {unknown}; {self.name} takes {sorted(self.parameters)}"
            )
        values: dict[str, Any] = {}
        for name, param in self.parameters.items():
            if name in given:
                values[name] = given[name]
            elif param.required:
                raise PipelineDefinitionError(f"{where}: {self.name} needs parameter {name!r} ({param.doc})")
            else:
                values[name] = param.default
        return values
