"""The pipeline graph as pure data: validated and ordered without Airflow.

A node is anything with a ``task_id`` and ``upstream_component_ids()`` (the ids of the
components whose outputs it consumes). ``build_plan`` rejects duplicate ids, inputs from
components missing from the list, and cycles, naming the components involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from airflow_tfx_provider.exceptions import PipelineDefinitionError


class PlanNode(Protocol):
    @property
    def task_id(self) -> str: ...

    def upstream_component_ids(self) -> list[str]: ...


@dataclass(frozen=True)
class PipelinePlan:
    """Components in a dependency-respecting order plus the edges between them."""

    order: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]  # (upstream, downstream)

    def upstream_of(self, node_id: str) -> list[str]:
        return [up for up, down in self.edges if down == node_id]


def build_plan(nodes: Sequence[PlanNode]) -> PipelinePlan:
    ids = [str(n.task_id) for n in nodes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PipelineDefinitionError(
            f"duplicate component id(s) {duplicates}: give each component its own task_id"
        )
    known = set(ids)
    edges: list[tuple[str, str]] = []
    for node in nodes:
        for upstream in node.upstream_component_ids():
            if upstream not in known:
                raise PipelineDefinitionError(
                    f"component {node.task_id!r} consumes outputs of {upstream!r}, which is not in the "
                    f"component list {ids}; add it to the list"
                )
            edges.append((upstream, str(node.task_id)))
    return PipelinePlan(order=tuple(_topological_order(ids, edges)), edges=tuple(edges))


def _topological_order(ids: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm, stable in the given order; a cycle is reported with its members."""
    indegree = {i: 0 for i in ids}
    for _, down in edges:
        indegree[down] += 1
    order: list[str] = []
    ready = [i for i in ids if indegree[i] == 0]
    while ready:
        current = ready.pop(0)
        order.append(current)
        for up, down in edges:
            if up == current:
                indegree[down] -= 1
                if indegree[down] == 0:
                    ready.append(down)
    if len(order) != len(ids):
        stuck = [i for i in ids if i not in order]
        raise PipelineDefinitionError(f"the components {stuck} depend on each other in a cycle")
    return order
