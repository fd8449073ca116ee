"""How a test DAG file finds its settings: ``<the DAG file's own name>.json`` next to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def dag_config(dag_file: str) -> dict[str, Any]:
    """The settings the test wrote next to this copy of the DAG file."""
    config: dict[str, Any] = json.loads(Path(dag_file).with_suffix(".json").read_text())
    return config
