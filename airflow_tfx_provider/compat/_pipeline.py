"""TFX's pipeline objects as pure declarations, rendered into this provider's operators.

A TFX pipeline file builds components (``CsvExampleGen(input_base=...)``), wires them through
``component.outputs[...]`` and ``Channel(type=...)``, names them with ``.with_id()``, gathers
them in a ``Pipeline`` and hands that to a runner. Here each of those is plain data: nothing is
an Airflow operator until ``AirflowDagRunner.run(pipeline)`` calls ``create_pipeline_dag`` with a
function that builds the operators, in dependency order, inside the DAG (so pipeline settings
reach them at construction). Mistakes fail when the DAG file is parsed, naming the component.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from airflow_tfx_provider.compat._messages import as_plain
from airflow_tfx_provider.exceptions import PipelineDefinitionError


def type_name(artifact_type: Any) -> str:
    """The artifact type name of ``standard_artifacts.Model``, ``"Model"``, ..."""
    name = artifact_type if isinstance(artifact_type, str) else getattr(artifact_type, "TYPE_NAME", None)
    if not isinstance(name, str):
        raise PipelineDefinitionError(
            f"{artifact_type!r} is not an artifact type (e.g. standard_artifacts.Model)"
        )
    return name


@dataclass(frozen=True)
class Channel:
    """TFX's ``Channel(type=...)``: artifacts of a type, as a Resolver's input."""

    type: Any
    producer_component_id: str | None = None
    output_key: str | None = None

    @property
    def type_name(self) -> str:
        return type_name(self.type)


@dataclass(frozen=True)
class OutputChannel:
    """``node.outputs[key]``: one output of a node of the pipeline."""

    node: BaseNode
    key: str
    type_name: str

    def __repr__(self) -> str:
        return f"{self.node.id}.outputs[{self.key!r}]"

    def future(self) -> _ChannelFuture:
        """TFX's placeholder for ``tfx.dsl.Cond``: ``.future()[0].custom_property('blessed') == 1``."""
        return _ChannelFuture(self)


@dataclass(frozen=True)
class _ChannelFuture:
    channel: OutputChannel

    def __getitem__(self, index: int) -> _ArtifactFuture:
        if index != 0:
            raise PipelineDefinitionError(
                f"Cond: only {self.channel}.future()[0] is supported, not [{index}]"
            )
        return _ArtifactFuture(self.channel)


@dataclass(frozen=True)
class _ArtifactFuture:
    channel: OutputChannel

    @property
    def value(self) -> Any:
        raise PipelineDefinitionError(
            f"{self.channel}.future()[0].value: a parameter taken from another component's output at run "
            "time is not supported here; pass the value itself (for ExampleGen's range_config, a RangeConfig)"
        )

    def custom_property(self, name: str) -> _PropertyFuture:
        return _PropertyFuture(self.channel, name)

    def property(self, name: str) -> _PropertyFuture:
        return _PropertyFuture(self.channel, name)


@dataclass(frozen=True, eq=False)
class _PropertyFuture:
    channel: OutputChannel
    name: str

    def __eq__(self, value: object) -> Predicate:  # type: ignore[override]
        return Predicate(self.channel, self.name, value)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Predicate:
    """``<blessing>.future()[0].custom_property('blessed') == 1``: run only when blessed."""

    channel: OutputChannel
    name: str
    value: object

    def check(self) -> None:
        blessings = ("ModelBlessing", "InfraBlessing")
        if self.channel.type_name not in blessings or self.name != "blessed" or self.value != 1:
            raise PipelineDefinitionError(
                f"Cond({self.channel}.future()[0].custom_property({self.name!r}) == {self.value!r}) is not "
                "supported: here a Cond gates on a blessing, '<ModelBlessing or InfraBlessing "
                'channel>.future()[0].custom_property("blessed") == 1\''
            )


_ACTIVE_CONDITIONS: list[Predicate] = []


class Cond:
    """TFX's ``with tfx.dsl.Cond(predicate):`` on a blessing. Components built inside take the
    blessing as their blessing input, so they are skipped (visibly, in the Airflow UI) when it
    says no, as TFX's conditional skips them. Only components with such an input (Pusher,
    BulkInferrer) can be guarded; others fail at parse time, named."""

    def __init__(self, predicate: Predicate) -> None:
        if not isinstance(predicate, Predicate):
            raise PipelineDefinitionError(f"Cond takes a placeholder predicate, got {predicate!r}")
        predicate.check()
        self.predicate = predicate

    def __enter__(self) -> Cond:
        _ACTIVE_CONDITIONS.append(self.predicate)
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE_CONDITIONS.remove(self.predicate)


class _Outputs(Mapping[str, OutputChannel]):
    def __init__(self, node: BaseNode, types: Mapping[str, str]) -> None:
        self._node, self._types = node, dict(types)

    def __getitem__(self, key: str) -> OutputChannel:
        if key not in self._types:
            raise PipelineDefinitionError(
                f"{self._node.id} has no output {key!r}; its outputs are {sorted(self._types)}"
            )
        return OutputChannel(self._node, key, self._types[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


class BaseNode:
    """A node of a TFX pipeline: an id (``.with_id()``), outputs, and how it becomes an operator."""

    def __init__(self, default_id: str) -> None:
        self.id = default_id
        self.explicit_upstream: list[BaseNode] = []

    def with_id(self, node_id: str) -> Self:
        """TFX's ``.with_id(...)``: the task id in Airflow. Returns the node itself."""
        if not isinstance(node_id, str) or not node_id:
            raise PipelineDefinitionError(f"with_id() takes a non-empty str, got {node_id!r}")
        self.id = node_id
        return self

    @property
    def task_id(self) -> str:
        return self.id

    def add_upstream_node(self, upstream_node: BaseNode) -> None:
        """TFX's ``add_upstream_node``: run after ``upstream_node`` without consuming its outputs."""
        if not isinstance(upstream_node, BaseNode):
            raise PipelineDefinitionError(
                f"{self.id}: add_upstream_node() takes a component, got {upstream_node!r}"
            )
        self.explicit_upstream.append(upstream_node)

    def add_downstream_node(self, downstream_node: BaseNode) -> None:
        """TFX's ``add_downstream_node``: ``downstream_node`` runs after this one."""
        if not isinstance(downstream_node, BaseNode):
            raise PipelineDefinitionError(
                f"{self.id}: add_downstream_node() takes a component, got {downstream_node!r}"
            )
        downstream_node.explicit_upstream.append(self)

    @property
    def outputs(self) -> Mapping[str, OutputChannel]:
        return _Outputs(self, self.output_types())

    def output_types(self) -> dict[str, str]:
        raise NotImplementedError

    def inputs(self) -> dict[str, Any]:
        """Input name -> OutputChannel, Channel, or a list of them."""
        raise NotImplementedError

    def upstream_component_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for value in self.inputs().values():
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, OutputChannel):
                    seen.setdefault(item.node.id, None)
        for node in self.explicit_upstream:
            seen.setdefault(node.id, None)
        return list(seen)

    def render(self, built: Mapping[str, Any]) -> Any:
        """The Airflow operator for this node; ``built`` holds the operators of its upstream nodes."""
        raise NotImplementedError


def wired(value: Any, built: Mapping[str, Any], where: str) -> Any:
    """An input value with every OutputChannel replaced by the built operator's output."""
    if isinstance(value, list | tuple):
        return [wired(v, built, where) for v in value]
    if isinstance(value, OutputChannel):
        return built[value.node.id].outputs[value.key]
    if isinstance(value, Channel):
        raise PipelineDefinitionError(
            f"{where}: Channel(type={value.type_name}) without a producer can only feed a Resolver; pass "
            "an upstream component's .outputs[...] instead"
        )
    return value


class SpecNode(BaseNode):
    """A node that runs a ``ComponentSpec`` as an operator, with the inputs and parameters given."""

    _inputs: dict[str, Any]
    _parameters: dict[str, Any]

    def node_spec(self) -> Any:
        """The provider's ``ComponentSpec`` this node runs."""
        raise NotImplementedError

    def operator_type(self) -> Any:
        """The operator class that runs it."""
        raise NotImplementedError

    def output_types(self) -> dict[str, str]:
        return {key: out.type.name for key, out in self.node_spec().outputs.items()}

    def inputs(self) -> dict[str, Any]:
        return dict(self._inputs)

    @property
    def exec_properties(self) -> dict[str, Any]:
        """The parameters, in the dict form the operator takes."""
        return dict(self._parameters)

    def render(self, built: Mapping[str, Any]) -> Any:
        where = f"{type(self).__name__} {self.id!r}"
        inputs = {key: wired(value, built, where) for key, value in self._inputs.items()}
        return self.operator_type()(task_id=self.id, **inputs, **self._parameters)


class Component(SpecNode):
    """A TFX component by its TFX name; subclasses name the operator and spec they stand for."""

    OPERATOR: ClassVar[str]  # dotted path of the operator class
    SPEC: ClassVar[str]  # dotted path of the ComponentSpec
    FIXED: ClassVar[Mapping[str, Any]] = {}  # parameters the TFX class implies (ImportExampleGen's format)

    def __init__(self, **kwargs: Any) -> None:
        spec = self.spec()
        super().__init__(spec.default_id)
        name = type(self).__name__
        unknown = sorted(set(kwargs) - set(spec.inputs) - set(spec.parameters))
        if unknown:
            raise PipelineDefinitionError(
                f"{name}: {unknown} not supported here; {name} takes inputs {sorted(spec.inputs)} and "
                f"parameters {sorted(spec.parameters)}"
            )
        self._inputs = {k: v for k, v in kwargs.items() if k in spec.inputs and v is not None}
        self._parameters = {
            k: as_plain(v) for k, v in kwargs.items() if k in spec.parameters and v is not None
        }
        self._parameters.update(self.FIXED)
        for predicate in _ACTIVE_CONDITIONS:
            self._guard(spec, predicate)

    def _guard(self, spec: Any, predicate: Predicate) -> None:
        """Take the Cond's blessing as this component's input of that type (its gate)."""
        keys = [k for k, i in spec.inputs.items() if i.type.name == predicate.channel.type_name]
        name = type(self).__name__
        if not keys:
            raise PipelineDefinitionError(
                f"{name} inside tfx.dsl.Cond({predicate.channel}): here a Cond can guard only components "
                f"that take a {predicate.channel.type_name} input (Pusher, BulkInferrer); move {name} out"
            )
        given = self._inputs.get(keys[0])
        if given is not None and given != predicate.channel:
            raise PipelineDefinitionError(
                f"{name}: {keys[0]}={given} contradicts the surrounding Cond on {predicate.channel}"
            )
        self._inputs[keys[0]] = predicate.channel

    @classmethod
    def spec(cls) -> Any:
        module, _, attribute = cls.SPEC.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def node_spec(self) -> Any:
        return self.spec()

    def operator_type(self) -> Any:
        module, _, attribute = self.OPERATOR.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Strategy:
    """A TFX resolver strategy class, by the name this provider's Resolver knows it under."""

    tfx_name: str
    provider_strategy: str | None  # None: not supported yet

    def __call__(self, *args: Any, **kwargs: Any) -> Strategy:
        return self


class Resolver(BaseNode):
    """TFX's ``Resolver(strategy_class=..., **channels)`` as a ``ResolverOperator``."""

    def __init__(self, strategy_class: Strategy | None = None, config: Any = None, **channels: Any) -> None:
        super().__init__("resolver")
        if not isinstance(strategy_class, Strategy):
            raise PipelineDefinitionError(
                f"Resolver: strategy_class {strategy_class!r} is not one of TFX's strategies known here "
                "(LatestArtifactStrategy, LatestBlessedModelStrategy / LatestBlessedModelResolver)"
            )
        if strategy_class.provider_strategy is None:
            raise PipelineDefinitionError(f"Resolver: {strategy_class.tfx_name} is not supported yet")
        self.range_config: dict[str, Any] | None = None
        if strategy_class.provider_strategy == "span_range":
            if not isinstance(config, Mapping) or set(config) != {"range_config"}:
                raise PipelineDefinitionError(
                    "Resolver: SpanRangeStrategy needs config={'range_config': RangeConfig(...)}, "
                    f"got {config!r}"
                )
            self.range_config = as_plain(config["range_config"])
        elif config:
            raise PipelineDefinitionError(
                f"Resolver: config={config!r} is not supported with {strategy_class.tfx_name}"
            )
        self.strategy = strategy_class
        self.channels = dict(channels)
        if strategy_class.provider_strategy == "latest_blessed_model":
            # TFX needs the ModelBlessing channel to find blessed models; this provider reads the
            # blessings itself, so only the model channel becomes an output.
            self.channels = {k: v for k, v in channels.items() if _channel_type(v) != "ModelBlessing"}

    def inputs(self) -> dict[str, Any]:
        return {k: v for k, v in self.channels.items() if isinstance(v, OutputChannel)}

    def output_types(self) -> dict[str, str]:
        return {key: _channel_type(value) for key, value in self.channels.items()}

    def take_candidate(self, key: str, candidate: OutputChannel) -> None:
        """Resolve the baseline ``key`` knowing the candidate model (the Evaluator's ``model``).

        TFX's ``Channel(type=Model)`` finds any blessed model, so a rerun of the same data finds
        the first run's model, compares the candidate with itself and re-evaluates. Given the
        candidate, this provider's resolver never returns it as its own baseline: a rerun then
        resolves what the first run did and the Evaluator is a cache hit.
        """
        if self.strategy.provider_strategy == "latest_blessed_model" and isinstance(
            self.channels.get(key), Channel
        ):
            self.channels[key] = candidate

    def render(self, built: Mapping[str, Any]) -> Any:
        from airflow_tfx_provider.operators import ArtifactQuery, ResolverOperator

        sources: dict[str, Any] = {}
        for key, value in self.channels.items():
            if isinstance(value, OutputChannel):
                sources[key] = built[value.node.id].outputs[value.key]
            else:
                sources[key] = ArtifactQuery(
                    _channel_type(value), getattr(value, "producer_component_id", None)
                )
        if self.range_config is not None:
            sources["range_config"] = self.range_config
        return ResolverOperator(task_id=self.id, strategy=str(self.strategy.provider_strategy), **sources)


def _channel_type(value: Any) -> str:
    if isinstance(value, Channel | OutputChannel):
        return value.type_name
    raise PipelineDefinitionError(
        f"Resolver inputs must be Channel(type=...) or .outputs[...], got {value!r}"
    )


@dataclass(frozen=True)
class MetadataConnection:
    """What ``metadata.sqlite_metadata_connection_config(path)`` and friends return."""

    backend: str
    path: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)


class Pipeline:
    """TFX's ``Pipeline``: the components and the pipeline-wide settings."""

    def __init__(
        self,
        pipeline_name: str,
        pipeline_root: str | None = None,
        components: Sequence[BaseNode] = (),
        enable_cache: bool = False,
        metadata_connection_config: MetadataConnection | None = None,
        beam_pipeline_args: Sequence[str] | None = None,
        **unsupported: Any,
    ) -> None:
        if unsupported:
            raise PipelineDefinitionError(
                f"Pipeline {pipeline_name!r}: {sorted(unsupported)} not supported here "
                "(supported: pipeline_name, pipeline_root, components, enable_cache, "
                "metadata_connection_config, beam_pipeline_args)"
            )
        for node in components:
            if not isinstance(node, BaseNode):
                raise PipelineDefinitionError(f"Pipeline {pipeline_name!r}: {node!r} is not a TFX component")
        self.pipeline_name = pipeline_name
        self.pipeline_root = pipeline_root
        self.components = list(components)
        self.enable_cache = enable_cache
        self.metadata_connection_config = metadata_connection_config
        self.beam_pipeline_args = list(beam_pipeline_args) if beam_pipeline_args is not None else None

    def builder(self) -> Callable[[], list[Any]]:
        """The function ``create_pipeline_dag`` calls inside the DAG: operators in dependency order."""
        from airflow_tfx_provider.dag_factory.plan import build_plan

        for node in self.components:
            baseline, model = node.inputs().get("baseline_model"), node.inputs().get("model")
            if isinstance(baseline, OutputChannel) and isinstance(model, OutputChannel):
                if isinstance(baseline.node, Resolver):
                    baseline.node.take_candidate(baseline.key, model)
        plan = build_plan(self.components)
        by_id = {node.id: node for node in self.components}

        def build() -> list[Any]:
            built: dict[str, Any] = {}
            for node_id in plan.order:
                built[node_id] = by_id[node_id].render(built)
                for upstream in by_id[node_id].explicit_upstream:
                    built[upstream.id] >> built[node_id]
            return list(built.values())

        return build
