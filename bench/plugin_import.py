"""What loading the provider's plugin adds to an Airflow process (issue 11's "measure").

The scheduler, the dag-processor, the triggerer and each task process load plugins (entry
point ``airflow.plugins``); the api-server also builds the pages' app, on its first request.
Fresh processes alternate (A B A B ...): ``base`` imports ``airflow.plugins_manager`` and
``airflow.sdk`` (what those processes have loaded anyway), ``plugin`` then imports
``airflow_tfx_provider.plugins``. Reported: the in-process clock around that import, and the
median of paired process wall-time differences. Goal: < 0.1 s.

    python -m bench.plugin_import --reps 15
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.common import (
    OUT_DIR,
    bench_env,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    section_header,
    update_results,
)

PROBE = """
import json, sys, time
import airflow.plugins_manager, airflow.sdk
start = time.perf_counter()
if sys.argv[1] == "plugin":
    import airflow_tfx_provider.plugins
print(json.dumps({"import_s": time.perf_counter() - start, "modules": len(sys.modules)}))
"""


def _run(variant: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, variant], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)
    started, machine = now_utc(), machine_info()
    env = bench_env(AIRFLOW__CORE__LOAD_EXAMPLES="False")
    _run("plugin", env)  # warm the file cache
    walls: dict[str, list[float]] = {"base": [], "plugin": []}
    inside, modules = [], []
    for _ in range(args.reps):
        for variant in ("base", "plugin"):
            wall, result = _run(variant, env)
            walls[variant].append(wall)
            if variant == "plugin":
                inside.append(result["import_s"])
                modules.append(result["modules"])
            else:
                modules.append(-result["modules"])
    paired = [p - b for p, b in zip(walls["plugin"], walls["base"], strict=True)]
    result = {
        "import_s_median": statistics.median(inside), "import_s_max": max(inside),
        "paired_wall_s_median": statistics.median(paired),
        "base_wall_s_median": statistics.median(walls["base"]),
        "modules_added": (sum(modules) // args.reps),
    }  # fmt: skip
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "plugin_import.json").write_text(json.dumps(result, indent=2))
    rows = [
        ["import airflow_tfx_provider.plugins (clock in process)", f"{result['import_s_median']:.3f}",
         f"{min(inside):.3f}-{max(inside):.3f}"],
        ["process wall time, plugin - base (paired)", f"{result['paired_wall_s_median']:.3f}",
         f"{min(paired):.3f}-{max(paired):.3f}"],
        ["base process (airflow.plugins_manager + airflow.sdk)", f"{result['base_wall_s_median']:.3f}", ""],
    ]  # fmt: skip
    body = "\n\n".join(
        [
            section_header(
                "Import cost of the provider's plugin in every Airflow process",
                invoked_command("bench.plugin_import", argv),
                machine,
                started,
            ),
            f"{args.reps} alternating pairs of fresh processes; modules the plugin adds: "
            f"{result['modules_added']} (no TensorFlow, TFDV, TFT, TFMA, Beam, MLMD, FastAPI: "
            "`tests/test_import_cost.py`). Goal < 0.1 s.",
            markdown_table(["what", "seconds, median", "range"], rows),
        ]
    )
    print(body)
    update_results("plugin_import", body)


if __name__ == "__main__":
    main()
