"""What TFX's two kinds of custom component share here: a node that runs a ``ComponentSpec``
whose executor is a function object, through the provider's launcher.

A custom component is declared in a DAG file (or a module it imports): the ``@component``
function or the executor class exists in every process that parses that file, which is every
process that runs one of its tasks. So the spec carries the function itself, and its cache
key carries a hash of the code (``code_version``): editing the component's code invalidates
the cache, as editing a module file does.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.compat._pipeline import SpecNode
from airflow_tfx_provider.components.spec import ComponentSpec
from airflow_tfx_provider.exceptions import PipelineDefinitionError


def check_value(value: Any, expected: Any, where: str) -> None:
    """A parameter value given in a pipeline file against a Python type, at parse time.

    Ints pass as floats, bools never pass as ints; ``None``, Jinja templates (rendered when the
    task runs) and types that are not plain classes are left to the executor.
    """
    if value is None or not isinstance(expected, type):
        return
    if isinstance(value, str) and "{{" in value:
        return
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise PipelineDefinitionError(
            f"{where}: expected {expected.__name__}, got {type(value).__name__} {value!r}"
        )


def code_version(*objects: Any) -> str:
    """A short hash of the source of ``objects`` (their whole modules for classes' executors)."""
    digest = hashlib.sha256()
    for obj in objects:
        try:
            source = inspect.getsource(obj)
        except (OSError, TypeError):  # defined in a REPL or built dynamically: hash the bytecode
            code = getattr(obj, "__code__", None)
            source = repr(code.co_code if code is not None else obj)
        digest.update(source.encode())
    return digest.hexdigest()[:16]


_OPERATOR_CLASSES: dict[int, tuple[ComponentSpec, type]] = {}


def operator_class(spec: ComponentSpec) -> type:
    """The Airflow operator class for a custom component's spec (one class per spec object)."""
    known = _OPERATOR_CLASSES.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    from airflow_tfx_provider.operators import ComponentOperator

    doc = f"Custom component ``{spec.name}``, run through the provider's launcher."
    made = type(f"{spec.name}Operator", (ComponentOperator,), {"spec": spec, "__doc__": doc})
    _OPERATOR_CLASSES[id(spec)] = (spec, made)
    return made


class CustomComponentNode(SpecNode):
    """A node whose spec the component class built; inputs and parameters as given."""

    def __init__(self, spec: ComponentSpec, inputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        super().__init__(spec.default_id or spec.name)
        self.component_spec = spec
        self._inputs = {k: v for k, v in inputs.items() if v is not None}
        self._parameters = dict(parameters)

    def node_spec(self) -> ComponentSpec:
        return self.component_spec

    def operator_type(self) -> type:
        return operator_class(self.component_spec)
