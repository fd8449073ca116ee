"""Test-session environment: an isolated Airflow home (SQLite) and the TF settings.

Airflow reads its configuration when first imported, so the environment is set here,
at conftest import time, before any test module imports Airflow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="airflow-tfx-tests-"))
AIRFLOW_HOME = _SESSION_DIR / "airflow_home"
DAGS_FOLDER = _SESSION_DIR / "dags"

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_TFX_PIPELINE_ROOT_BASE": str(_SESSION_DIR / "pipelines"),
        "TF_USE_LEGACY_KERAS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
)
DAGS_FOLDER.mkdir(parents=True, exist_ok=True)
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) for this test session."""
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow), "db", "migrate"], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def dags_folder() -> Path:
    return DAGS_FOLDER


# --- the fault suite's figures (tests/faults/tally.py), also under pytest-xdist -----------------
# Each xdist worker counts its own cases and hands them to the controller when it finishes;
# the controller (or a plain run) prints the sum at the end of the session.


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.faults.tally import TALLY

    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fault_tally"] = dict(TALLY)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_WorkerTallies(), "fault-tallies")


class _WorkerTallies:
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        from tests.faults.tally import TALLY

        TALLY.update(getattr(node, "workeroutput", {}).get("fault_tally", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.faults.tally import TALLY

    if TALLY:
        terminalreporter.write_sep("-", "fault suite figures")
        for key in sorted(TALLY):
            terminalreporter.write_line(f"{key}: {TALLY[key]}")
