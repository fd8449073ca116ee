from dataclasses import dataclass, field

import pytest

from airflow_tfx_provider.dag_factory.plan import build_plan
from airflow_tfx_provider.exceptions import PipelineDefinitionError


@dataclass
class Node:
    task_id: str
    upstream: list[str] = field(default_factory=list)

    def upstream_component_ids(self) -> list[str]:
        return self.upstream


def test_orders_components_topologically_and_keeps_edges():
    plan = build_plan(
        [
            Node("validator", ["stats", "schema"]),
            Node("schema", ["stats"]),
            Node("stats", ["gen"]),
            Node("gen"),
        ]
    )
    assert (
        plan.order.index("gen")
        < plan.order.index("stats")
        < plan.order.index("schema")
        < plan.order.index("validator")
    )
    assert set(plan.upstream_of("validator")) == {"stats", "schema"}


def test_duplicate_ids_are_named():
    with pytest.raises(PipelineDefinitionError, match=r"duplicate component id\(s\) \['stats'\]"):
        build_plan([Node("stats"), Node("stats")])


def test_missing_upstream_is_named():
    with pytest.raises(PipelineDefinitionError, match="'schema' consumes outputs of 'stats'"):
        build_plan([Node("schema", ["stats"])])


def test_cycle_is_named():
    with pytest.raises(PipelineDefinitionError, match=r"\['a', 'b'\] depend on each other in a cycle"):
        build_plan([Node("a", ["b"]), Node("b", ["a"]), Node("c")])
