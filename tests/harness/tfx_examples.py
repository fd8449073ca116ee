"""TFX 1.21's own example files, read from the tfx wheel on PyPI (downloaded, never installed).

The wheel is cached in the repository's git-ignored ``build/`` folder; nothing of it is
committed. Used by ``tests/integration/test_tfx_examples.py`` and ``bench/tfx_example_parse.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WHEEL_DIR = REPO / "build" / "tfx-1.21.0"
TAXI = "tfx/examples/chicago_taxi_pipeline/"
TAXI_FILES = ("taxi_pipeline_native_keras.py", "taxi_utils_native_keras.py")


def tfx_wheel() -> Path:
    """The tfx 1.21.0 wheel, downloaded with ``pip download --no-deps`` on first use."""
    found = sorted(WHEEL_DIR.glob("tfx-1.21.0-*.whl"))
    if not found:
        WHEEL_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["python3", "-m", "pip", "download", "--quiet", "--no-deps", "tfx==1.21.0", "-d", str(WHEEL_DIR)],
            check=True, timeout=600,
        )  # fmt: skip
        found = sorted(WHEEL_DIR.glob("tfx-1.21.0-*.whl"))
    return found[0]


@dataclass(frozen=True)
class TaxiExample:
    """TFX's taxi example laid out as it expects under ``$HOME``, migrated by the command."""

    home: Path
    taxi: Path
    originals: dict[str, str]
    migrate: subprocess.CompletedProcess[str]

    def dag_settings(self, dag_id: str, workdir: Path) -> dict[str, object]:
        """Settings for ``tests/dags/tfx_example_pipeline.py`` (a TFX user's Airflow DAG file)."""
        return {
            "pipeline_file": str(self.taxi / "taxi_pipeline_native_keras.py"),
            "arguments": {
                "pipeline_name": dag_id, "pipeline_root": str(workdir / "root"),
                "data_root": str(self.taxi / "data" / "simple"),
                "module_file": str(self.taxi / "taxi_utils_native_keras.py"),
                "serving_model_dir": str(workdir / "serving"), "metadata_path": str(workdir / "metadata.db"),
                "beam_pipeline_args": ["--direct_running_mode=in_memory"],
            },
        }  # fmt: skip


def migrated_taxi_example(home: Path) -> TaxiExample:
    """Extract TFX's taxi pipeline, module file and data under ``home``; run ``airflow tfx migrate``."""
    taxi = home / "taxi"
    (taxi / "data" / "simple").mkdir(parents=True)
    with zipfile.ZipFile(tfx_wheel()) as wheel:
        for name in TAXI_FILES:
            (taxi / name).write_bytes(wheel.read(TAXI + name))
        (taxi / "data" / "simple" / "data.csv").write_bytes(wheel.read(TAXI + "data/simple/data.csv"))
    originals = {name: (taxi / name).read_text() for name in TAXI_FILES}
    airflow = Path(sys.executable).with_name("airflow")
    migrated = subprocess.run(
        [str(airflow), "tfx", "migrate", *[str(taxi / n) for n in TAXI_FILES]],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )  # fmt: skip
    return TaxiExample(home, taxi, originals, migrated)
