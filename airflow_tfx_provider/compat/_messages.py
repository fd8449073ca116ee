"""Light stand-ins for TFX's and TFMA's protocol buffer messages.

A TFX pipeline file builds ``trainer_pb2.TrainArgs(num_steps=1000)``,
``pusher_pb2.PushDestination(filesystem=...)``, ``tfma.EvalConfig(...)``. The real classes
live in TensorFlow-era packages whose import costs seconds at every DAG parse; these stand-ins
take the same field names and become the dict form (``json_format``'s, with the proto's own
field names) that this provider's operators take and check when the DAG file is parsed.
Enum values are given as their names (``tfma.MetricDirection.HIGHER_IS_BETTER``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from airflow_tfx_provider.exceptions import PipelineDefinitionError


class Message:
    """A message: keyword fields only; ``to_dict()`` gives the dict form operators take."""

    #: The proto's full name, for messages (``tfx.components.trainer.TrainArgs``).
    full_name: ClassVar[str] = ""
    #: Field names the message accepts; empty: any (checked by the operator instead).
    fields: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - self.fields) if self.fields else []
        if unknown:
            name = self.full_name or type(self).__name__
            raise PipelineDefinitionError(f"{name} has no field(s) {unknown}; it takes {sorted(self.fields)}")
        self._values = {k: v for k, v in values.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        return {key: as_plain(value) for key, value in self._values.items()}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


def as_plain(value: Any) -> Any:
    """Messages, lists and dicts of them as plain JSON-able data (other values unchanged)."""
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [as_plain(v) for v in value]
    return value


def message(name: str, full_name: str, fields: Sequence[str] = (), **nested: type[Message]) -> type[Message]:
    """A stand-in message class; ``nested`` become attributes (``PushDestination.Filesystem``)."""
    namespace: dict[str, Any] = {"full_name": full_name, "fields": frozenset(fields), **nested}
    return type(name, (Message,), namespace)
