"""The cloned store (``generated_store.generate(generator="clone")``) against the launcher's.

Both stores hold the same 30 daily runs (days 3, 5, 7, 14, 21 and 28 not blessed): one made
run by run through the launcher, one made of 3 launcher runs and 27 copies. Read back without
ids and times, they must be the same records; the resolvers must answer alike; and the launcher
must work on the copies as on its own records (cache hits included).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.convert import get_value
from airflow_tfx_provider.metadata.store import PIPELINE_CONTEXT, MetadataGateway
from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.output_dirs import final_uri, integrity_problem
from airflow_tfx_provider.runtime.resolver import latest_blessed_model, previous_span
from tests.harness import generated_store
from tests.harness.generated_store import PIPELINE, SPECS, blessed_at_scale, generate, parameters, settings
from tests.harness.store_cloner import ARTIFACT_ID_PROPERTIES
from tests.unit.runtime.toy_components import ToySchemaSpec

DAYS = 30
#: properties that differ from store to store whatever made them: the process, the clock, the ids
VOLATILE = {"host", "boot_id", "pid", "process_start", "fingerprint", "pushed_version", "pushed_destination"}
#: the push record names the model's id and the time: its size varies too (its manifest is checked)
PUSH_RECORD_BYTES = {"manifest_bytes"}


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    roots = {}
    for generator in ("launcher", "clone"):
        root = tmp_path_factory.mktemp(f"{generator:_<8}") / "root"  # paths of one length
        generate(root, DAYS, generator=generator, batch=8)  # several batches of copies
        roots[generator] = root
    return roots


def _gateway(root: Path) -> MetadataGateway:
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))


def _canonical(root: Path) -> dict[str, Any]:
    """Every record of the pipeline, named by run, component and output key instead of ids."""
    store = _gateway(root).raw
    pipeline = store.get_context_by_type_and_name(PIPELINE_CONTEXT, PIPELINE)
    executions = sorted(store.get_executions_by_context(pipeline.id), key=lambda e: e.id)
    execution_types = {t.id: t.name for t in store.get_execution_types()}
    artifact_types = {t.id: t.name for t in store.get_artifact_types()}
    events = store.get_events_by_execution_ids([e.id for e in executions])
    artifacts = {a.id: a for a in store.get_artifacts_by_id(sorted({e.artifact_id for e in events}))}

    def prop(e: Any, name: str) -> str:
        return str(e.custom_properties[name].string_value)

    execution_name = {e.id: f"{prop(e, 'run_id')}/{prop(e, 'component_id')}" for e in executions}
    producer: dict[int, int] = {}
    artifact_name = {}
    for event in sorted(events, key=lambda e: e.execution_id):
        if event.type == pb.Event.OUTPUT and event.artifact_id not in producer:
            producer[event.artifact_id] = event.execution_id
            artifact_name[event.artifact_id] = (
                f"{execution_name[event.execution_id]}/{event.path.steps[0].key}"
            )
    uris = sorted(((a.uri, artifact_name[i]) for i, a in artifacts.items()), key=lambda p: -len(p[0]))

    def text(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        for uri, name in uris:
            value = value.replace(uri, f"<{name}>")
        return re.sub(r"#(\d+)\b", lambda m: f"#<{artifact_name[int(m.group(1))]}>", value)

    def props(proto: Any, volatile: Collection[str] = ()) -> dict:
        values = {k: get_value(v) for k, v in [*proto.properties.items(), *proto.custom_properties.items()]}
        return {
            k: (artifact_name[int(v)] if k in ARTIFACT_ID_PROPERTIES else text(v))
            for k, v in values.items()
            if k not in VOLATILE and k not in volatile
        }

    def contexts(found: list[Any]) -> list[str]:
        return sorted(c.name for c in found)

    records: dict[str, Any] = {"executions": {}, "artifacts": {}}
    for e in executions:
        records["executions"][execution_name[e.id]] = {
            "type": execution_types[e.type_id],
            "state": pb.Execution.State.Name(e.last_known_state),
            "properties": props(e),
            "contexts": contexts(store.get_contexts_by_execution(e.id)),
            "events": sorted(
                (pb.Event.Type.Name(ev.type), str(ev.path).replace("\n", " "), artifact_name[ev.artifact_id])
                for ev in events
                if ev.execution_id == e.id
            ),
        }
    for i, a in artifacts.items():
        made_by = producer[i]
        component_id, key = artifact_name[i].split("/")[1:]
        records["artifacts"][artifact_name[i]] = {
            "type": artifact_types[a.type_id],
            "state": pb.Artifact.State.Name(a.state),
            "uri_is_the_launchers": a.uri == final_uri(str(root), component_id, key, made_by),
            "files_match_manifest": integrity_problem(_ref(store, a)) is None,
            "properties": props(
                a, volatile=PUSH_RECORD_BYTES if artifact_types[a.type_id] == "PushedModel" else ()
            ),
            "contexts": contexts(store.get_contexts_by_artifact(i)),
        }
    # creation order within each type: the days' order
    by_type: dict[str, list[Any]] = {}
    for a in sorted(artifacts.values(), key=lambda a: (a.create_time_since_epoch, a.id)):
        by_type.setdefault(artifact_types[a.type_id], []).append(artifact_name[a.id].split("/")[0])
    records["artifact_order"] = by_type
    records["contexts"] = sorted(
        (c.name, sorted((k, get_value(v)) for k, v in c.custom_properties.items()))
        for c in store.get_contexts()
    )
    runs = [c for c in store.get_contexts() if c.name.startswith(f"{PIPELINE}.day")]
    records["run_order"] = [c.name for c in sorted(runs, key=lambda c: (c.create_time_since_epoch, c.id))]
    serving = root.parent / "serving"
    versions = sorted(int(name) for name in os.listdir(serving) if name.isdigit())
    pushes = [json.loads((serving / ".push_records" / f"{v}.json").read_text()) for v in versions]
    records["serving"] = [(p["run_id"], text(p["model_uri"])) for p in pushes]  # in version order
    return records


def _ref(store: Any, proto: Any) -> Any:
    from airflow_tfx_provider.metadata.convert import ref_from_proto

    [type_proto] = store.get_artifact_types_by_id([proto.type_id])
    return ref_from_proto(proto, type_proto.name)


def test_the_copies_are_the_records_the_launcher_makes(stores):
    launcher, clone = _canonical(stores["launcher"]), _canonical(stores["clone"])
    assert len(launcher["executions"]) == 5 * DAYS
    assert all(a["uri_is_the_launchers"] and a["files_match_manifest"] for a in clone["artifacts"].values())
    for part in launcher:
        if isinstance(launcher[part], dict) and part != "artifact_order":
            for name in sorted(set(launcher[part]) | set(clone[part])):
                assert clone[part].get(name) == launcher[part].get(name), (part, name)
        assert clone[part] == launcher[part], part


def test_the_same_numbers_of_records_of_each_type(stores):
    def counts(root: Path) -> dict[str, Counter]:
        store = _gateway(root).raw
        execution_types = {t.id: t.name for t in store.get_execution_types()}
        artifact_types = {t.id: t.name for t in store.get_artifact_types()}
        context_types = {t.id: t.name for t in store.get_context_types()}
        executions = store.get_executions()
        events = store.get_events_by_execution_ids([e.id for e in executions])
        return {
            "executions": Counter(
                (execution_types[e.type_id], pb.Execution.State.Name(e.last_known_state)) for e in executions
            ),
            "artifacts": Counter(
                (artifact_types[a.type_id], pb.Artifact.State.Name(a.state)) for a in store.get_artifacts()
            ),
            "events": Counter(pb.Event.Type.Name(e.type) for e in events),
            "contexts": Counter(context_types[c.type_id] for c in store.get_contexts()),
        }

    launcher, clone = counts(stores["launcher"]), counts(stores["clone"])
    assert launcher == clone
    not_blessed = sum(not blessed_at_scale(day) for day in range(1, DAYS + 1))
    assert launcher["executions"][("Pusher", "CANCELED")] == not_blessed == 6
    assert launcher["artifacts"][("PushedModel", "LIVE")] == DAYS - not_blessed


def _day_of(gateway: MetadataGateway, artifact_id: int) -> str:
    return str(gateway.producer_properties(artifact_id)["run_id"])


def _made(gateway: MetadataGateway, type_name: str) -> dict[str, Any]:
    """run id -> the artifact of that type the run made."""
    refs = gateway.latest_artifacts(type_name, pipeline_name=PIPELINE, limit=100_000)
    return {_day_of(gateway, int(r.mlmd_id or 0)): r for r in refs}


def _answers(root: Path) -> dict[int, tuple[list[str], list[int]]]:
    """day -> (the run whose model ``latest_blessed_model`` picks, the span ``previous_span`` picks)."""
    gateway = _gateway(root)
    probe = settings(root, "resolver", "probe")
    models, examples = _made(gateway, "Model"), _made(gateway, "Examples")

    def baseline(day: int) -> list[str]:
        found = latest_blessed_model(gateway, probe, ArtifactQuery("Model"), [models[f"day{day}"]], {})
        return [_day_of(gateway, int(r.mlmd_id or 0)) for r in found]

    def previous(day: int) -> list[int]:
        query = ArtifactQuery("Examples", "example_gen")
        found = previous_span(gateway, probe, query, [examples[f"day{day}"]], {})
        return [int(r.properties["span"]) for r in found]

    return {day: (baseline(day), previous(day)) for day in range(1, DAYS + 1)}


def test_the_resolvers_answer_alike(stores):
    answers = {generator: _answers(root) for generator, root in stores.items()}
    assert answers["clone"] == answers["launcher"]
    assert answers["clone"][DAYS] == (["day29"], [29])  # the newest push is the candidate itself
    assert answers["clone"][29] == (["day30"], [28])
    assert answers["clone"][1] == (["day30"], [])


def test_the_launcher_works_on_a_cloned_store(tmp_path):
    root = tmp_path / "root"
    days = 12
    generate(root, days, batch=4)
    gateway = _gateway(root)
    day = f"day{days}"
    model = _made(gateway, "Model")[day]
    examples = _made(gateway, "Examples")[day]
    blessing = _made(gateway, "ModelBlessing")[day]
    # rerunning a copied day's components: cache hits on the copies' outputs
    inputs = {
        "schema_gen": {"examples": [examples.to_json()]},
        "trainer": {"examples": [examples.to_json()]},
        "evaluator": {"model": [model.to_json()]},
        "pusher": {"model": [model.to_json()], "model_blessing": [blessing.to_json()]},
    }
    for component_id, given in inputs.items():
        result = launch(
            SPECS[component_id], settings(root, component_id, day), given,
            parameters(root, component_id, days, blessed_at_scale(days)),
        )  # fmt: skip
        assert result.cached, component_id
        [[output]] = result.outputs.values()
        assert _day_of(gateway, int(output.mlmd_id or 0)) == day, component_id
    # a new component reading the copied examples: runs once, then hits its cache
    first = launch(
        ToySchemaSpec, settings(root, "schema_probe", "probe1"), {"examples": [examples.to_json()]}, {}
    )
    again = launch(
        ToySchemaSpec, settings(root, "schema_probe", "probe2"), {"examples": [examples.to_json()]}, {}
    )
    assert not first.cached and again.cached
    assert again.outputs["schema"][0].mlmd_id == first.outputs["schema"][0].mlmd_id
    # the next day, through the launcher: pushed as a version above the copies', and the baseline
    before = max(int(v) for v in os.listdir(root.parent / "serving") if v.isdigit())
    made = generated_store.make_day(root, days + 1, blessed=True)
    pushed = gateway.latest_artifacts("PushedModel", pipeline_name=PIPELINE)[0]
    assert pushed.properties["pushed_model_id"] == made["model"]
    assert int(pushed.properties["pushed_version"]) > before
    probe = settings(root, "resolver", "probe")
    [baseline] = latest_blessed_model(gateway, probe, ArtifactQuery("Model"), [], {})
    assert baseline.mlmd_id == made["model"]
