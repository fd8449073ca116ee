"""Run one component through the launcher in this process and SIGKILL it at a chosen point.

    python -m tests.faults.kill_runner ROOT COMPONENT_ID RUN_ID POINT SPEC PARAMS_JSON [DELAY_S]

POINT: ``before_executor`` (staging folders made, executor not started), ``during_executor``
(the executor finished writing, the process dies before the launcher verifies), ``after_rename``
(outputs renamed to their final URIs, MLMD not told), ``after_commit`` (MLMD says COMPLETE, the
operator would be about to push XCom), ``none`` (no kill), or ``random`` (a timer kills the
process DELAY_S seconds after the launch starts). SPEC is the dotted path of a ComponentSpec.
The real launcher code runs; only the kill is added, around the step named.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime import launcher, output_dirs
from tests.faults.conftest import make_settings


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _then_die(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        function(*args, **kwargs)
        _die()

    return wrapper


def main(argv: list[str]) -> None:
    root, component_id, run_id, point, spec_path = argv[:5]
    params = json.loads(argv[5])
    module, _, name = spec_path.rpartition(".")
    spec = getattr(importlib.import_module(module), name)
    if point == "before_executor":
        output_dirs.prepare_staging = _then_die(output_dirs.prepare_staging)  # type: ignore[assignment]
    elif point == "during_executor":
        spec = _with_executor(spec, _then_die(spec.load_executor()))
    elif point == "after_rename":
        output_dirs.publish = _then_die(output_dirs.publish)  # type: ignore[assignment]
    elif point == "after_commit":
        MetadataGateway.complete_execution = _then_die(MetadataGateway.complete_execution)  # type: ignore[method-assign]
    elif point == "random":
        threading.Timer(float(argv[6]), _die).start()
    launcher.launch(spec, make_settings(Path(root), component_id, run_id), {}, params)
    os._exit(0)  # the timer thread must not outlive a finished launch


def _with_executor(spec: Any, executor: Callable[..., Any]) -> Any:
    """A copy of ``spec`` whose ``load_executor`` returns ``executor``."""

    class DyingSpec(type(spec)):  # type: ignore[misc]
        def load_executor(self) -> Any:
            return executor

    return DyingSpec(**{name: getattr(spec, name) for name in spec.__dataclass_fields__})


if __name__ == "__main__":
    main(sys.argv[1:])
