"""How outputs of one task become inputs of another.

``task.outputs["examples"]`` is an ``OutputRef``: the producing task plus an output key.
Passing it as a constructor argument (``StatisticsGenOperator(examples=...)``) records
the dependency; at run time the consumer pulls that key's XCom (a list of artifact
references) and the launcher checks it against MLMD.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from airflow_tfx_provider.exceptions import PipelineDefinitionError

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator


@dataclass(frozen=True)
class OutputRef:
    """One output (``key``) of one task, typed with the artifact type name it carries."""

    task: BaseOperator
    key: str
    type_name: str

    @property
    def task_id(self) -> str:
        return str(self.task.task_id)

    def __repr__(self) -> str:
        return f"{self.task_id}.outputs[{self.key!r}]"


#: What an operator takes as an input: an upstream ``task.outputs["key"]``, several of them, or
#: artifact references (the JSON form XCom carries) for artifacts made elsewhere.
ArtifactInput: TypeAlias = OutputRef | Sequence[OutputRef | Mapping[str, Any]] | Mapping[str, Any]


class Outputs(Mapping[str, OutputRef]):
    """``task.outputs``: output key -> ``OutputRef``; a clear error on unknown keys."""

    def __init__(self, task: BaseOperator, types: Mapping[str, str]) -> None:
        self._task = task
        self._types = dict(types)

    def __getitem__(self, key: str) -> OutputRef:
        if key not in self._types:
            raise PipelineDefinitionError(
                f"task {self._task.task_id!r} has no output {key!r}; its outputs are {sorted(self._types)}"
            )
        return OutputRef(self._task, key, self._types[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


def as_input_list(value: Any, *, where: str, expected_type: str) -> list[Any]:
    """Normalise an input argument to a list of ``OutputRef`` / artifact-reference dicts."""
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if isinstance(item, OutputRef) and item.type_name != expected_type:
            raise PipelineDefinitionError(
                f"{where} expects {expected_type} but got {item} which carries {item.type_name}"
            )
    return list(items)


def producer_task_ids(inputs: Mapping[str, list[Any]]) -> list[str]:
    """Task ids of the tasks whose outputs feed ``inputs``, in first-seen order."""
    seen: dict[str, None] = {}
    for items in inputs.values():
        for item in items:
            if isinstance(item, OutputRef):
                seen.setdefault(item.task_id, None)
    return list(seen)
