"""Parse cost of TFX's own example pipelines, migrated with ``airflow tfx migrate``.

TFX 1.21's ``taxi_pipeline_native_keras.py`` or ``penguin_pipeline_local.py`` (``--example``;
read from the tfx wheel on PyPI, never committed) is migrated by the provider's command and
loaded through a TFX user's usual Airflow DAG file (``tests/dags/tfx_example_pipeline.py``:
``AirflowDagRunner(...).run(_create_pipeline(...))``).
``bench.import_time`` then measures what parsing it costs over ``import airflow.sdk``, in fresh
processes alternating with a bare ``import airflow.sdk``. Goal: < 0.5 s, and no TensorFlow,
TFMA, Beam or MLMD loaded.

    python -m bench.tfx_example_parse --reps 15
    python -m bench.tfx_example_parse --reps 15 --example penguin
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench import import_time
from bench.common import OUT_DIR, REPO
from tests.harness.tfx_examples import migrated_penguin_example, migrated_taxi_example

DAG_TEMPLATE = REPO / "tests" / "dags" / "tfx_example_pipeline.py"
#: example -> (how to extract and migrate it, RESULTS.md section, title)
EXAMPLES = {
    "taxi": (
        migrated_taxi_example, "tfx_example_parse",
        "TFX's taxi example pipeline (migrated) through a TFX-style Airflow DAG file",
    ),
    "penguin": (
        migrated_penguin_example, "tfx_penguin_parse",
        "TFX's penguin example pipeline (migrated; absl flags, a @component, Cond) through a TFX-style "
        "Airflow DAG file",
    ),
}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=15, help="repetitions per variant")
    parser.add_argument("--example", choices=sorted(EXAMPLES), default="taxi", help="which TFX example")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tfx-example-parse-", dir=OUT_DIR))
    try:
        migrate, section, title = EXAMPLES[args.example]
        example = migrate(work / "home")
        if example.migrate.returncode != 0:
            raise SystemExit(f"airflow tfx migrate failed: {example.migrate.stderr}")
        dags = work / "dags"
        dags.mkdir()
        dag_id = f"tfx_{args.example}_example"
        dag_file = dags / f"{dag_id}.py"
        shutil.copyfile(DAG_TEMPLATE, dag_file)
        settings = {"dag_id": dag_id, **example.dag_settings(dag_id, work)}
        dag_file.with_suffix(".json").write_text(json.dumps(settings))
        import_time.main(
            [
                "--reps", str(args.reps), "--dag-file", str(dag_file), "--goal", "0.5",
                "--section", section, "--home", str(example.home), "--title", title,
                *(["--no-results"] if args.no_results else []),
            ]
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
