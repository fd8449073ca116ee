"""TFX's class-based custom components: a ``ComponentSpec`` (``PARAMETERS``, ``INPUTS``,
``OUTPUTS``), an executor class with ``Do(input_dict, output_dict, exec_properties)``, and a
``BaseComponent`` subclass tying them together with ``SPEC_CLASS`` and ``EXECUTOR_SPEC``.

The component becomes an operator running the executor through the provider's launcher. The
executor gets what TFX gives it: lists of ``tfx.types.Artifact`` per key (outputs pointing at
empty staging folders, published atomically afterwards), the execution properties (protocol
buffer messages as JSON text, as TFX passes them), and a context with ``beam_pipeline_args``
and a temporary folder.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any, ClassVar

from airflow_tfx_provider.compat._artifacts import Artifact, as_artifact, write_values
from airflow_tfx_provider.compat._custom import CustomComponentNode, check_value, code_version
from airflow_tfx_provider.compat._messages import Message, as_plain
from airflow_tfx_provider.compat._pipeline import Channel, OutputChannel, type_name
from airflow_tfx_provider.components.spec import (
    REQUIRED,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
)
from airflow_tfx_provider.components.spec import (
    ComponentSpec as ProviderSpec,
)
from airflow_tfx_provider.components.spec import Parameter as ParameterSpec
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import artifact_type

log = logging.getLogger(__name__)


class ExecutionParameter:
    """TFX's ``ExecutionParameter(type=..., optional=..., use_proto=...)``."""

    def __init__(self, type: Any = None, optional: bool = False, use_proto: bool = False) -> None:
        self.type = type
        self.optional = optional
        self.use_proto = use_proto


class ChannelParameter:
    """TFX's ``ChannelParameter(type=..., optional=...)``: an input or output of an artifact type."""

    def __init__(self, type: Any = None, optional: bool = False, allow_empty: bool = False, **_: Any) -> None:
        self.type = type
        self.optional = optional or allow_empty

    @property
    def type_name(self) -> str:
        return type_name(self.type)


class ComponentSpec:
    """TFX's ``tfx.types.ComponentSpec``: subclasses declare ``PARAMETERS``, ``INPUTS``, ``OUTPUTS``;
    an instance holds a component's arguments (checked here, when the DAG file is parsed)."""

    PARAMETERS: ClassVar[Mapping[str, ExecutionParameter]] = {}
    INPUTS: ClassVar[Mapping[str, ChannelParameter]] = {}
    OUTPUTS: ClassVar[Mapping[str, ChannelParameter]] = {}

    def __init__(self, **kwargs: Any) -> None:
        name = type(self).__name__
        declared = {**self.PARAMETERS, **self.INPUTS, **self.OUTPUTS}
        unknown = sorted(set(kwargs) - set(declared))
        if unknown:
            raise PipelineDefinitionError(f"{name}: {unknown} not declared in PARAMETERS, INPUTS or OUTPUTS")
        required = [k for k, p in self.PARAMETERS.items() if not p.optional]
        required += [k for k, c in self.INPUTS.items() if not c.optional]
        for key in required:
            if kwargs.get(key) is None:
                raise PipelineDefinitionError(f"{name}: {key!r} is required (not optional in the spec)")
        for key, value in kwargs.items():
            if value is not None:
                _check_argument(name, key, declared[key], value)
        self.exec_properties = {k: v for k, v in kwargs.items() if k in self.PARAMETERS and v is not None}
        self.inputs = {k: v for k, v in kwargs.items() if k in self.INPUTS and v is not None}
        self.outputs = {k: v for k, v in kwargs.items() if k in self.OUTPUTS and v is not None}


_PRIMITIVES = (int, float, str, bool, bytes)


def _check_argument(spec_name: str, key: str, declared: Any, value: Any) -> None:
    where = f"{spec_name}: {key!r}"
    if isinstance(declared, ChannelParameter):
        if not isinstance(value, Channel | OutputChannel):
            raise PipelineDefinitionError(
                f"{where} takes a channel (<component>.outputs[...]), got {value!r}"
            )
        if value.type_name != declared.type_name:
            raise PipelineDefinitionError(
                f"{where} takes {declared.type_name} artifacts, got {value.type_name}"
            )
        return
    if not isinstance(value, Message) and declared.type in _PRIMITIVES:  # others: the executor reads them
        check_value(value, declared.type, where)


class ExecutorClassSpec:
    """TFX's ``executor_spec.ExecutorClassSpec(Executor)``."""

    def __init__(self, executor_class: type) -> None:
        if not (isinstance(executor_class, type) and issubclass(executor_class, BaseExecutor)):
            raise PipelineDefinitionError(
                f"ExecutorClassSpec takes a subclass of base_executor.BaseExecutor, got {executor_class!r}"
            )
        self.executor_class = executor_class


class BeamExecutorSpec(ExecutorClassSpec):
    """TFX's ``executor_spec.BeamExecutorSpec``."""


class ExecutorContainerSpec:
    """TFX's container executor: not supported here (run the container from an Airflow operator)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise PipelineDefinitionError(
            "ExecutorContainerSpec (container components) is not supported here; run the container with an "
            "Airflow operator such as KubernetesPodOperator or DockerOperator"
        )


class BaseExecutor:
    """TFX's ``base_executor.BaseExecutor``: subclasses implement ``Do``."""

    class Context:
        """What TFX gives an executor besides its artifacts."""

        def __init__(
            self,
            extra_flags: list[str] | None = None,
            tmp_dir: str | None = None,
            unique_id: str | None = None,
            beam_pipeline_args: list[str] | None = None,
            pipeline_run_id: str | None = None,
            **_: Any,
        ) -> None:
            self.beam_pipeline_args = list(beam_pipeline_args or extra_flags or [])
            self.extra_flags = self.beam_pipeline_args
            self.tmp_dir = tmp_dir
            self.unique_id = unique_id
            self.pipeline_run_id = pipeline_run_id

    def __init__(self, context: BaseExecutor.Context | None = None) -> None:
        self._context = context or BaseExecutor.Context()
        self._beam_pipeline_args = self._context.beam_pipeline_args
        self._tmp_dir = self._context.tmp_dir

    def Do(
        self,
        input_dict: dict[str, list[Artifact]],
        output_dict: dict[str, list[Artifact]],
        exec_properties: dict[str, Any],
    ) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} must implement Do(input_dict, output_dict, exec_properties)"
        )

    def _get_tmp_dir(self) -> str:
        folder = self._tmp_dir or os.path.join(
            os.environ.get("TMPDIR", "/tmp"), f"tfx-{self._context.unique_id}"
        )
        os.makedirs(folder, exist_ok=True)
        return folder

    def _log_startup(
        self,
        inputs: Mapping[str, list[Artifact]],
        outputs: Mapping[str, list[Artifact]],
        exec_properties: Any,
    ) -> None:
        name = type(self).__name__
        log.info(
            "starting %s: inputs %s, outputs %s, exec_properties %s", name, inputs, outputs, exec_properties
        )


class BaseBeamExecutor(BaseExecutor):
    """TFX's ``BaseBeamExecutor``: ``_make_beam_pipeline()`` with the run's ``beam_pipeline_args``."""

    def _make_beam_pipeline(self) -> Any:
        import apache_beam as beam
        from apache_beam.options.pipeline_options import PipelineOptions

        from airflow_tfx_provider.components._beam import pipeline_args

        return beam.Pipeline(options=PipelineOptions(pipeline_args(self._beam_pipeline_args)))


class _ClassExecutor:
    """The executor of a class-based component: calls ``executor_class(context).Do(...)``."""

    def __init__(self, executor_class: type[BaseExecutor], proto_keys: frozenset[str]) -> None:
        self.executor_class = executor_class
        self.proto_keys = proto_keys

    def __call__(self, inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
        context = BaseExecutor.Context(
            beam_pipeline_args=list(info.beam_pipeline_args), tmp_dir=info.temp_dir or None,
            unique_id=str(info.execution_id), pipeline_run_id=info.run_id,
        )  # fmt: skip
        input_dict = {key: [as_artifact(ref) for ref in refs] for key, refs in inputs.items()}
        output_dict = {key: [as_artifact(ref) for ref in refs] for key, refs in outputs.items()}
        exec_properties = {
            key: json.dumps(value, sort_keys=True) if key in self.proto_keys else value
            for key, value in params.items()
            if value is not None
        }
        self.executor_class(context).Do(input_dict, output_dict, exec_properties)
        write_values(a for artifacts in output_dict.values() for a in artifacts)


def _source_of_module(cls: type) -> Any:
    module = sys.modules.get(cls.__module__)
    return module if module is not None and getattr(module, "__file__", None) else cls


class BaseComponent(CustomComponentNode):
    """TFX's ``base_component.BaseComponent``: subclasses set ``SPEC_CLASS`` and ``EXECUTOR_SPEC``
    and call ``super().__init__(spec=SPEC_CLASS(...))``."""

    SPEC_CLASS: ClassVar[type[ComponentSpec]]
    EXECUTOR_SPEC: ClassVar[ExecutorClassSpec]

    def __init__(self, spec: ComponentSpec, custom_executor_spec: ExecutorClassSpec | None = None) -> None:
        cls = type(self)
        name = cls.__name__
        spec_class = getattr(cls, "SPEC_CLASS", None)
        if not (isinstance(spec_class, type) and issubclass(spec_class, ComponentSpec)):
            raise PipelineDefinitionError(f"{name}: SPEC_CLASS must be a subclass of tfx.types.ComponentSpec")
        if not isinstance(spec, spec_class):
            raise PipelineDefinitionError(f"{name}: spec must be a {spec_class.__name__}, got {spec!r}")
        executor_spec = custom_executor_spec or getattr(cls, "EXECUTOR_SPEC", None)
        if not isinstance(executor_spec, ExecutorClassSpec):
            raise PipelineDefinitionError(
                f"{name}: EXECUTOR_SPEC must be executor_spec.ExecutorClassSpec(...)"
            )
        self.spec = spec
        provider_spec = _provider_spec(name, spec_class, executor_spec.executor_class, cls)
        parameters = {key: as_plain(value) for key, value in spec.exec_properties.items()}
        super().__init__(provider_spec, spec.inputs, parameters)


_SPECS: dict[tuple[type, type, type], ProviderSpec] = {}


def _provider_spec(
    name: str, spec_class: type[ComponentSpec], executor_class: type[BaseExecutor], component: type
) -> ProviderSpec:
    """The provider's spec for a TFX spec class and executor (one per combination, reused)."""
    key = (spec_class, executor_class, component)
    if key in _SPECS:
        return _SPECS[key]
    proto_keys = frozenset(k for k, p in spec_class.PARAMETERS.items() if p.use_proto)
    made = ProviderSpec(
        name=name,
        inputs={
            k: InputSpec(artifact_type(p.type_name), optional=p.optional)
            for k, p in spec_class.INPUTS.items()
        },
        outputs={k: OutputSpec(artifact_type(p.type_name)) for k, p in spec_class.OUTPUTS.items()},
        parameters={
            k: ParameterSpec(default=None if p.optional else REQUIRED)
            for k, p in spec_class.PARAMETERS.items()
        },
        executor=_ClassExecutor(executor_class, proto_keys),
        executor_version=code_version(_source_of_module(executor_class), spec_class),
        default_id=name,
        doc=inspect.getdoc(component) or "",
    )
    _SPECS[key] = made
    return made


class BaseBeamComponent(BaseComponent):
    """TFX's ``BaseBeamComponent``: a component whose executor uses Beam."""
