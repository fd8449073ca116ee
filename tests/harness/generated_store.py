"""A generated MLMD store of daily retraining runs, for the retention, rollback and history tests.

Each day: examples (span = day) -> schema, a model trained on the examples, evaluated (days in
``NOT_BLESSED_DAYS`` not blessed) and pushed with the real Pusher when blessed. Pure Python
executors, real launcher and MLMD (SQLite under the root, or any ``MetadataConfig``).

``generate`` makes the big stores of the benchmarks (``blessed_at_scale``: also every seventh
day not blessed): through the launcher day by day, or, 10-50x faster, a few days through the
launcher and copies of them for the rest (``store_cloner``; ``DailyRuns`` says what differs from
day to day). tests/unit/harness/test_store_cloner.py checks that both make the same records.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components.pusher import PusherSpec
from airflow_tfx_provider.components.pusher.executor import PUSH_RECORD_FILE, RECORDS_DIR
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    ExecutionInfo,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import ComponentSkipped
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.fingerprint import compute_fingerprint
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import EXAMPLES, MODEL, MODEL_BLESSING, ArtifactRef
from tests.harness.store_cloner import StoreCloner, Variation, link_tree
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec

PIPELINE = "retention"
NOT_BLESSED_DAYS = {3, 5}


def _train(inputs, outputs, params, info):
    [examples] = inputs["examples"]
    os.makedirs(f"{outputs['model'][0].uri}/Format-Serving")
    with open(f"{outputs['model'][0].uri}/Format-Serving/saved_model.pb", "w") as handle:
        handle.write(f"trained on span {examples.properties['span']}")


def _evaluate(inputs, outputs, params, info):
    [model] = inputs["model"]
    write_blessing(outputs["blessing"][0], params["blessed"])
    outputs["blessing"][0].properties["current_model_id"] = model.mlmd_id


TrainSpec = ComponentSpec(
    "Trainer", {"examples": InputSpec(EXAMPLES)}, {"model": OutputSpec(MODEL)}, {}, _train
)
EvalSpec = ComponentSpec(
    "Evaluator", {"model": InputSpec(MODEL)}, {"blessing": OutputSpec(MODEL_BLESSING)},
    {"blessed": Parameter()}, _evaluate,
)  # fmt: skip


def settings(root: Path, component: str, run_id: str, config: MetadataConfig | None = None) -> RunSettings:
    run = ExecutionInfo(
        pipeline_name=PIPELINE, pipeline_root=str(root), run_id=run_id, component_id=component
    )
    return RunSettings(run=run, metadata=config or MetadataConfig.sqlite_under(str(root)))


def blessed_at_scale(day: int) -> bool:
    """The verdicts of the big generated stores: days 3 and 5 and every seventh day not blessed."""
    return day not in NOT_BLESSED_DAYS and day % 7 != 0


#: component id -> spec, in the order a day runs them
SPECS: dict[str, ComponentSpec] = {
    "example_gen": ToyGenSpec, "schema_gen": ToySchemaSpec, "trainer": TrainSpec, "evaluator": EvalSpec,
    "pusher": PusherSpec,
}  # fmt: skip


def serving_dir(root: Path) -> Path:
    return root.parent / "serving"


def parameters(root: Path, component_id: str, day: int, blessed: bool) -> dict[str, Any]:
    """What ``make_day`` passes to each component (the cloner fingerprints with it)."""
    given: dict[str, dict[str, Any]] = {
        "example_gen": {"span": day, "text": f"d{day}"},
        "evaluator": {"blessed": blessed},
        "pusher": {"push_destination": {"filesystem": {"base_directory": str(serving_dir(root))}}},
    }
    return given.get(component_id, {})


def make_day(
    root: Path, day: int, config: MetadataConfig | None = None, blessed: bool | None = None
) -> dict[str, int]:
    """One daily run, into ``config``'s store (the SQLite file under ``root`` by default);
    not blessed on ``NOT_BLESSED_DAYS`` unless ``blessed`` says."""
    run = f"day{day}"
    blessed = day not in NOT_BLESSED_DAYS if blessed is None else blessed

    def params(component_id: str) -> dict[str, Any]:
        return parameters(root, component_id, day, blessed)

    examples = launch(ToyGenSpec, settings(root, "example_gen", run, config), {}, params("example_gen"))
    ex = [r.to_json() for r in examples.outputs["examples"]]
    schema = launch(ToySchemaSpec, settings(root, "schema_gen", run, config), {"examples": ex}, {})
    model = launch(TrainSpec, settings(root, "trainer", run, config), {"examples": ex}, {}).outputs["model"]
    blessing = launch(
        EvalSpec,
        settings(root, "evaluator", run, config),
        {"model": [m.to_json() for m in model]},
        params("evaluator"),
    ).outputs["blessing"]
    try:
        launch(PusherSpec, settings(root, "pusher", run, config),
               {"model": [m.to_json() for m in model], "model_blessing": [b.to_json() for b in blessing]},
               params("pusher"))  # fmt: skip
    except ComponentSkipped:
        assert not blessed
    made = {
        "examples": examples.outputs["examples"][0], "schema": schema.outputs["schema"][0],
        "model": model[0], "blessing": blessing[0],
    }  # fmt: skip
    return {key: int(ref.mlmd_id or 0) for key, ref in made.items()}


# --------------------------------------------------------------------------- big stores, fast
#: (component id, output key) -> the key ``make_day`` returns it under
_MADE_KEYS = {
    ("example_gen", "examples"): "examples", ("schema_gen", "schema"): "schema",
    ("trainer", "model"): "model", ("evaluator", "blessing"): "blessing",
}  # fmt: skip


class DailyRuns(Variation):
    """How ``make_day``'s runs differ from day to day, for ``store_cloner``.

    The files are those the executors write for that day (so the manifests are), the Pusher's
    delivery included: a new version folder in the serving directory with its push record,
    numbered as the Pusher numbers them (the unix time, or one more than the highest there).
    """

    def __init__(self, root: Path, templates: dict[bool, str], blessed: Callable[[int], bool]) -> None:
        self.root = root
        self.templates = templates
        self.blessed = blessed
        self._version = 0

    def template(self, day: int) -> str:
        return self.templates[self.blessed(day)]

    def artifact(
        self, day: int, component_id: str, key: str, template: ArtifactRef, ref: ArtifactRef,
        placed: Mapping[int, ArtifactRef],
    ) -> None:  # fmt: skip
        def write(relative: str, text: str) -> None:
            path = Path(ref.uri) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

        if (component_id, key) == ("example_gen", "examples"):
            write("Split-train/data.gz", f"d{day}")
            ref.properties["span"] = day
        elif (component_id, key) == ("schema_gen", "schema"):
            write("schema.pbtxt", f"span {day}\n")
        elif (component_id, key) == ("trainer", "model"):
            write("Format-Serving/saved_model.pb", f"trained on span {day}")
        elif (component_id, key) == ("pusher", "pushed_model"):
            self._push(day, ref, placed)
        else:
            super().artifact(day, component_id, key, template, ref, placed)

    def _push(self, day: int, pushed: ArtifactRef, placed: Mapping[int, ArtifactRef]) -> None:
        """What the Pusher's executor does for a model not pushed before."""
        [model] = [r for r in placed.values() if r.mlmd_id == pushed.properties["pushed_model_id"]]
        base = serving_dir(self.root)
        if not self._version:
            existing = [int(name) for name in os.listdir(base) if name.isdigit()]
            self._version = max([0, *existing])
        self._version = max(int(time.time()), self._version + 1)
        version = str(self._version)
        destination = base / version
        link_tree(os.path.join(model.uri, "Format-Serving"), str(destination))
        record = {
            "model_id": model.mlmd_id, "model_uri": model.uri, "version": version,
            "destination": str(destination), "run_id": self.run_id(day),
            "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }  # fmt: skip
        (base / RECORDS_DIR / f"{version}.json").write_text(json.dumps(record, indent=2, sort_keys=True))
        os.makedirs(pushed.uri)
        (Path(pushed.uri) / PUSH_RECORD_FILE).write_text(
            json.dumps({**record, "new_version": True}, indent=2, sort_keys=True)
        )
        pushed.properties.update({"pushed_destination": str(destination), "pushed_version": version})

    def execution(
        self, day: int, component_id: str, type_name: str, properties: dict[str, Any],
        inputs: Mapping[str, list[ArtifactRef]],
    ) -> None:  # fmt: skip
        """The fingerprint the launcher computes for this day's parameters and inputs."""
        if "fingerprint" not in properties:
            return
        spec = SPECS[component_id]
        where = f"{spec.name} {component_id!r}"
        params = spec.resolve_parameters(
            parameters(self.root, component_id, day, self.blessed(day)), where=where
        )
        info = ExecutionInfo(
            pipeline_name=PIPELINE, pipeline_root=str(self.root), run_id=self.run_id(day),
            component_id=component_id, run_type=str(properties.get("run_type", "")),
        )  # fmt: skip
        input_fingerprint = spec.load_input_fingerprint()
        extra = input_fingerprint(params, info) if input_fingerprint else ""
        current = {key: list(inputs.get(key, [])) for key in spec.inputs}
        properties["fingerprint"] = compute_fingerprint(spec, params, current, extra)


def templates_needed(blessed: Callable[[int], bool]) -> int:
    """How many days the launcher makes before the copies: up to a blessed and a not blessed
    day after the first (whose run also created the pipeline's contexts)."""
    day, kinds = 1, set[bool]()
    while len(kinds) < 2:
        day += 1
        kinds.add(blessed(day))
    return day


def generate(
    root: Path,
    runs: int,
    config: MetadataConfig | None = None,
    *,
    generator: str = "clone",
    blessed: Callable[[int], bool] = blessed_at_scale,
    batch: int = 100,
    progress: Callable[[int, float], None] | None = None,
) -> dict[int, dict[str, int]]:
    """``runs`` daily runs (day 1 to ``runs``): all through the launcher (``generator="launcher"``)
    or the first few through the launcher and the rest copied from them (``"clone"``, 10-50x
    faster). Returns the last day's artifact ids as ``make_day`` does (under ``runs``)."""
    if generator not in ("launcher", "clone"):
        raise ValueError(f"unknown generator {generator!r}")
    first = runs if generator == "launcher" else min(runs, templates_needed(blessed))
    start = time.perf_counter()
    made: dict[int, dict[str, int]] = {}
    for day in range(1, first + 1):
        made = {day: make_day(root, day, config, blessed(day))}
        if progress is not None and (day % 100 == 0 or day == first):
            progress(day, time.perf_counter() - start)
    if first == runs:
        return made
    gateway = MetadataGateway.connect(config or MetadataConfig.sqlite_under(str(root)))
    kinds = {blessed(day): f"day{day}" for day in range(2, first + 1)}
    cloner = StoreCloner(gateway, PIPELINE, DailyRuns(root, kinds, blessed))
    launcher_s = time.perf_counter() - start

    def report(done: int, seconds: float) -> None:
        if progress is not None:
            progress(first + done, launcher_s + seconds)

    copies = cloner.clone(range(first + 1, runs + 1), batch=batch, progress=report)
    return {runs: {name: copies[runs][key] for key, name in _MADE_KEYS.items()}}
