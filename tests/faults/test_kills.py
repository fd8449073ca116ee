"""SIGKILL at staged points of the launcher, then a retry in the same run or a new run.

Each case runs the launcher in a child process that kills itself at the point named (see
``kill_runner``), then runs the same task again, either as the retry of the same DAG run or in
the next DAG run, and checks the invariants: the follow-up completes, no LIVE artifact lacks
files, no folder remains for a non-LIVE artifact, nothing is left RUNNING, PENDING, staged or
in scratch.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_tfx_provider.runtime.launcher import launch
from tests.conftest import REPO
from tests.faults.conftest import make_settings
from tests.faults.invariants import assert_consistent
from tests.faults.tally import record
from tests.harness.dag_runs import taxi_sample
from tests.unit.runtime.toy_components import ToyGenSpec

POINTS = ["before_executor", "during_executor", "after_rename", "after_commit"]
TOY = "tests.unit.runtime.toy_components.ToyGenSpec"
CSV = "airflow_tfx_provider.components.example_gen.CsvExampleGenSpec"


def _killed(
    root: Path, component_id: str, run_id: str, point: str, spec: str, params: dict, delay: float = 0.0
):
    result = subprocess.run(
        [sys.executable, "-m", "tests.faults.kill_runner", str(root), component_id, run_id, point, spec,
         json.dumps(params), str(delay)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return result


@pytest.mark.parametrize("follow_up", ["retry", "new_run"])
@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_each_stage_leaves_nothing_the_next_run_does_not_clean(tmp_path, point, follow_up):
    root = tmp_path / "root"
    killed = _killed(root, "toy_gen", "run-1", point, TOY, {"span": 1})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    run_id = "run-1" if follow_up == "retry" else "run-2"
    result = launch(ToyGenSpec, make_settings(root, "toy_gen", run_id), {}, {"span": 1})
    assert result.outputs["examples"], "the follow-up must complete"
    assert result.cached == (point == "after_commit")  # a committed attempt is reused, not redone
    counts = assert_consistent(root, settled_nodes=("toy_gen",))
    record("sigkill", **counts)


@pytest.mark.parametrize("delay", [0.5, 2.0, 4.0, 6.0])
def test_a_kill_at_a_random_moment_of_a_real_example_gen(tmp_path, delay):
    data = taxi_sample(tmp_path / "data", 3000)
    root = tmp_path / "root"
    params = {"input_base": str(data)}
    killed = _killed(root, "example_gen", "run-1", "random", CSV, params, delay)
    assert killed.returncode in (0, -signal.SIGKILL), killed.stderr[-2000:]
    from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec

    result = launch(CsvExampleGenSpec, make_settings(root, "example_gen", "run-2"), {}, params)
    assert result.outputs["examples"]
    counts = assert_consistent(root, settled_nodes=("example_gen",))
    record("sigkill", **counts)
