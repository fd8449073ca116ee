"""TFX 1.21's own example files, read from the tfx wheel on PyPI (downloaded, never installed).

The wheel is cached in the repository's git-ignored ``build/`` folder; nothing of it is
committed. Used by ``tests/integration/test_tfx_examples.py`` and ``bench/tfx_example_parse.py``.

Two examples: the taxi one (its data ships in the wheel) and the penguin one (its data does not;
``write_penguin_data`` generates a stand-in in TFX's processed layout, deterministically).
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]
WHEEL_DIR = REPO / "build" / "tfx-1.21.0"
TAXI = "tfx/examples/chicago_taxi_pipeline/"
TAXI_FILES = ("taxi_pipeline_native_keras.py", "taxi_utils_native_keras.py")
PENGUIN = "tfx/examples/penguin/"
PENGUIN_FILES = ("penguin_pipeline_local.py", "penguin_utils_keras.py", "penguin_utils_base.py")
HELLO = "tfx/examples/custom_components/hello_world/"
HELLO_FILES = (
    "example/taxi_pipeline_hello.py",
    "hello_component/component.py",
    "hello_component/executor.py",
)


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
class MigratedExample:
    """One of TFX's examples laid out as it expects under ``$HOME``, migrated by the command."""

    home: Path
    folder: Path  # home/<example>, holding ``files`` and ``data/``
    files: tuple[str, ...]
    originals: dict[str, str]  # file name -> text before the migration
    migrate: subprocess.CompletedProcess[str]

    def dag_settings(self, dag_id: str, workdir: Path) -> dict[str, object]:
        """Settings for ``tests/dags/tfx_example_pipeline.py`` running this example."""
        raise NotImplementedError


class TaxiExample(MigratedExample):
    """TFX's taxi example (``home/taxi``)."""

    @property
    def taxi(self) -> Path:
        return self.folder

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


class PenguinExample(MigratedExample):
    """TFX's penguin example (``home/penguin``): the local pipeline with the Keras module file."""

    @property
    def penguin(self) -> Path:
        return self.folder

    def dag_settings(self, dag_id: str, workdir: Path) -> dict[str, object]:
        """Settings for ``tests/dags/tfx_example_pipeline.py``; the arguments are those of the
        file's ``__main__`` with the Keras model (tuning on), except paths and the Beam runner."""
        return {
            "pipeline_file": str(self.penguin / "penguin_pipeline_local.py"),
            "function": "create_pipeline",
            "arguments": {
                "pipeline_name": dag_id, "pipeline_root": str(workdir / "root"),
                "data_root": str(self.penguin / "data"),
                "module_file": str(self.penguin / "penguin_utils_keras.py"),
                "accuracy_threshold": 0.6,
                "serving_model_dir": str(workdir / "serving"), "metadata_path": str(workdir / "metadata.db"),
                "user_provided_schema_path": None, "enable_tuning": True, "enable_bulk_inferrer": True,
                "enable_example_diff": False, "examplegen_input_config": None,
                "examplegen_range_config_date": None, "resolver_range_config": None,
                "beam_pipeline_args": ["--direct_running_mode=in_memory"],
                "enable_transform_input_cache": True,
            },
        }  # fmt: skip


_Example = TypeVar("_Example", bound=MigratedExample)


def _extract_and_migrate(
    kind: type[_Example],
    folder: Path,
    source: str,
    files: tuple[str, ...],
    write_data: Callable[[zipfile.ZipFile, Path], None],
) -> _Example:
    """Extract ``source + name`` for each of ``files`` from the wheel into ``folder`` (side by side,
    by base name), let ``write_data(wheel, folder)`` lay out the data, then run ``airflow tfx
    migrate`` on the files."""
    folder.mkdir(parents=True)
    with zipfile.ZipFile(tfx_wheel()) as wheel:
        for name in files:
            (folder / Path(name).name).write_bytes(wheel.read(source + name))
        write_data(wheel, folder)
    files = tuple(Path(name).name for name in files)
    originals = {name: (folder / name).read_text() for name in files}
    airflow = Path(sys.executable).with_name("airflow")
    migrated = subprocess.run(
        [str(airflow), "tfx", "migrate", *[str(folder / n) for n in files]],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )  # fmt: skip
    return kind(folder.parent, folder, files, originals, migrated)


def _taxi_data(wheel: zipfile.ZipFile, taxi: Path) -> None:
    (taxi / "data" / "simple").mkdir(parents=True)
    (taxi / "data" / "simple" / "data.csv").write_bytes(wheel.read(TAXI + "data/simple/data.csv"))


def migrated_taxi_example(home: Path) -> TaxiExample:
    """Extract TFX's taxi pipeline, module file and data under ``home``; run ``airflow tfx migrate``."""
    return _extract_and_migrate(TaxiExample, home / "taxi", TAXI, TAXI_FILES, _taxi_data)


class HelloExample(MigratedExample):
    """TFX's class-based custom component example (``HelloComponent``) in the taxi pipeline, its
    three files side by side in ``home/hello`` (their imports of each other become sibling imports)."""

    def dag_settings(self, dag_id: str, workdir: Path) -> dict[str, object]:
        return {
            "pipeline_file": str(self.folder / "taxi_pipeline_hello.py"),
            "arguments": {
                "pipeline_name": dag_id, "pipeline_root": str(workdir / "root"),
                "data_root": str(self.folder / "data" / "simple"),
                "metadata_path": str(workdir / "metadata.db"),
            },
        }  # fmt: skip


def migrated_hello_example(home: Path) -> HelloExample:
    """Extract TFX's hello-world custom component and its taxi pipeline under ``home``; migrate them."""
    return _extract_and_migrate(HelloExample, home / "hello", HELLO, HELLO_FILES, _taxi_data)


def migrated_penguin_example(home: Path) -> PenguinExample:
    """Extract TFX's penguin pipeline and Keras module files under ``home``, generate its data
    (``write_penguin_data``), and run ``airflow tfx migrate`` on the three files."""
    return _extract_and_migrate(
        PenguinExample, home / "penguin", PENGUIN, PENGUIN_FILES, lambda _, p: write_penguin_data(p / "data")
    )


# TFX's processed penguin data (``penguins_processed.csv``): Palmer penguins without missing
# values, the label an integer (0 Adelie, 1 Chinstrap, 2 Gentoo) and each feature min-max scaled
# to [0, 1] over the whole data set. The stand-in draws each class from a normal distribution with
# the real per-class means and standard deviations (raw units), in the real class proportions,
# then scales with the real minimum and maximum and clips to [0, 1].
PENGUIN_FEATURES = ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g")
PENGUIN_LABEL = "species"
_PENGUIN_RANGES = ((32.1, 59.6), (13.1, 21.5), (172.0, 231.0), (2700.0, 6300.0))
_PENGUIN_CLASSES = (  # (label, rows, ((mean, standard deviation) per feature))
    (0, 146, ((38.8, 2.7), (18.3, 1.2), (190.0, 6.5), (3706.0, 459.0))),  # Adelie: short, deep culmen
    (1, 68, ((48.8, 3.3), (18.4, 1.1), (195.8, 7.1), (3733.0, 384.0))),  # Chinstrap: long, deep culmen
    (2, 119, ((47.6, 3.1), (15.0, 1.0), (217.2, 6.5), (5092.0, 501.0))),  # Gentoo: long flipper, heavy
)
PENGUIN_UNLABELLED_ROWS = 50


def _penguin_row(rng: random.Random, label: int) -> list[str]:
    _, _, stats = _PENGUIN_CLASSES[label]
    return [
        f"{min(1.0, max(0.0, (rng.gauss(mean, sd) - low) / (high - low))):.6f}"
        for (mean, sd), (low, high) in zip(stats, _PENGUIN_RANGES, strict=True)
    ]


def write_penguin_data(data_root: Path, seed: int = 20200101) -> None:
    """``data_root/labelled/data.csv`` (333 rows) and ``data_root/unlabelled/data.csv`` (50 rows,
    no label) in TFX's processed penguin layout; the same seed always writes the same files."""
    rng = random.Random(seed)
    labels = [label for label, rows, _ in _PENGUIN_CLASSES for _ in range(rows)]
    rng.shuffle(labels)
    labelled = [[label, *_penguin_row(rng, label)] for label in labels]
    unlabelled = [_penguin_row(rng, rng.choice(labels)) for _ in range(PENGUIN_UNLABELLED_ROWS)]
    for folder, header, rows in (
        ("labelled", (PENGUIN_LABEL, *PENGUIN_FEATURES), labelled),
        ("unlabelled", PENGUIN_FEATURES, unlabelled),
    ):
        (data_root / folder).mkdir(parents=True, exist_ok=True)
        with (data_root / folder / "data.csv").open("w", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
