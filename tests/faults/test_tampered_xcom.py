"""XCom is not trusted: every tampered or stale reference fails the task, naming the input.

The references are given to the launcher as a consumer's XCom of task ``toy_gen`` (the way
an operator hands them over, ``TaskOutput``), in run ``run-1``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from airflow_tfx_provider.exceptions import InputResolutionError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import TaskOutput
from tests.faults.conftest import make_settings
from tests.faults.invariants import assert_consistent
from tests.faults.tally import record
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec


@pytest.fixture
def artifacts(tmp_path) -> dict[str, Any]:
    root = tmp_path / "root"
    own = launch(ToyGenSpec, make_settings(root, "toy_gen", "run-1"), {}, {"span": 1}).outputs["examples"][0]
    other_run = launch(ToyGenSpec, make_settings(root, "toy_gen", "run-2"), {}, {"span": 2}).outputs[
        "examples"
    ][0]
    schema = launch(
        ToySchemaSpec, make_settings(root, "toy_schema", "run-2"), {"examples": [other_run.to_json()]}, {}
    )
    with pytest.raises(Exception, match="toy failure"):
        launch(
            ToyGenSpec, make_settings(root, "toy_gen", "run-1"), {}, {"span": 3, "fail_after_writing": True}
        )
    gateway = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))
    [abandoned] = [a for a in gateway.raw.get_artifacts() if a.state == a.ABANDONED]
    return {
        "root": root,
        "own": own.to_json(),
        "other_run": other_run.to_json(),
        "schema": schema.outputs["schema"][0].to_json(),
        "abandoned": {"mlmd_id": abandoned.id, "type": "Examples", "uri": abandoned.uri, "properties": {}},
    }


def _tampers(a: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    own = a["own"]

    def edited(**changes: Any) -> dict[str, Any]:
        value = copy.deepcopy(own)
        value.update(changes)
        return value

    return {
        "other id, same uri": (
            edited(mlmd_id=a["other_run"]["mlmd_id"]),
            "has URI .* in MLMD but the XCom says",
        ),
        "other run (consistent)": (a["other_run"], "was not produced by task 'toy_gen' in this run"),
        "other type in xcom": (edited(type="Schema"), "the XCom says Schema, the input expects Examples"),
        "other type in mlmd": ({**a["schema"], "type": "Examples"}, "is a Schema in MLMD"),
        "uri outside the root": (edited(uri="/etc"), "has URI .* in MLMD but the XCom says /etc"),
        "unknown id": (edited(mlmd_id=987654), "is not in the MLMD store"),
        "no id": (edited(mlmd_id=None), "has no MLMD id"),
        "abandoned artifact": (a["abandoned"], "is ABANDONED, not LIVE"),
        "not a reference": ("garbage", "malformed artifact reference"),
        "empty object": ({}, "malformed artifact reference"),
        "wrong field types": (
            {"mlmd_id": "x", "type": 3},
            "malformed artifact reference",
        ),
    }


CASES = [
    "other id, same uri", "other run (consistent)", "other type in xcom", "other type in mlmd",
    "uri outside the root", "unknown id", "no id", "abandoned artifact", "not a reference", "empty object",
    "wrong field types",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_tampered_xcom_fails_naming_the_input(artifacts, case):
    value, message = _tampers(artifacts)[case]
    root = artifacts["root"]
    accepted = 0
    try:
        launch(
            ToySchemaSpec,
            make_settings(root, "toy_schema", "run-1"),
            {"examples": [TaskOutput(value, "toy_gen")]},
            {},
        )
        accepted = 1
    except InputResolutionError as err:
        assert "toy_schema" in str(err) and "input 'examples'" in str(err)
        assert re.search(message, str(err)), str(err)
    record("tampered xcom", accepted=accepted, clear_error=1 - accepted)
    assert accepted == 0
    assert_consistent(root)


def test_the_producing_task_of_another_node_is_refused(artifacts):
    root = artifacts["root"]
    with pytest.raises(InputResolutionError, match="was not produced by task 'toy_schema'"):
        launch(
            ToySchemaSpec, make_settings(root, "toy_schema", "run-1"),
            {"examples": [TaskOutput(artifacts["own"], "toy_schema")]}, {},
        )  # fmt: skip
    record("tampered xcom", accepted=0, clear_error=1)


@pytest.mark.integration
def test_garbage_in_the_upstream_xcom_fails_the_consumer(airflow_db, dags_folder, tmp_path):
    """The message itself is checked in tests/unit/operators/test_wiring.py (dag.test() logs
    through structlog, which pytest cannot capture here)."""
    from tests.harness.dag_runs import install_dag, load_dag, run_dag

    root = tmp_path / "root"
    path = install_dag(dags_folder, "garbage_xcom_pipeline", "garbage_xcom", pipeline_root=str(root))
    states = run_dag(load_dag(path, "garbage_xcom"), None)
    assert states == {"toy_gen": "success", "toy_schema": "failed"}
    assert not (root / "toy_schema").exists() or not list((root / "toy_schema").rglob("*.pbtxt"))
    record("tampered xcom", accepted=0, clear_error=1)
