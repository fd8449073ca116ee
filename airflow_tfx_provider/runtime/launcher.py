"""The launcher: one place where every component run goes through the same lifecycle.

resolve inputs -> fingerprint -> cache lookup -> allocate output URIs -> run the executor
into staging folders -> verify outputs -> atomic rename -> publish to MLMD. The caller
(the operator) pushes the returned references to XCom.

The spec names its executor (and gate, input fingerprint) by dotted path; they are imported
here, when the task runs, so that importing a spec or an operator stays cheap.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_tfx_provider.components.spec import ComponentSpec, ExecutionInfo, Refusal
from airflow_tfx_provider.exceptions import ComponentSkipped, PipelineDefinitionError
from airflow_tfx_provider.metadata.store import MetadataGateway, RunContexts
from airflow_tfx_provider.runtime import attempts, output_dirs
from airflow_tfx_provider.runtime.fingerprint import compute_fingerprint
from airflow_tfx_provider.runtime.input_check import check_inputs
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)

ArtifactMap = dict[str, list[ArtifactRef]]


@dataclass
class LaunchResult:
    outputs: ArtifactMap
    execution_id: int
    cached: bool
    seconds: float = 0.0
    inputs: ArtifactMap = field(default_factory=dict)


@dataclass(frozen=True)
class _Launch:
    """One launch in progress: what every step of the lifecycle needs."""

    spec: ComponentSpec
    run: ExecutionInfo
    gateway: MetadataGateway
    contexts: RunContexts
    params: dict[str, Any]
    inputs: ArtifactMap

    @property
    def where(self) -> str:
        return f"{self.spec.name} {self.run.component_id!r}"


def _log_artifacts(label: str, artifacts: Mapping[str, Sequence[ArtifactRef]]) -> None:
    for key, refs in artifacts.items():
        for ref in refs:
            extras = {k: v for k, v in ref.properties.items() if k in ("span", "version", "split_names")}
            log.info("%s %s: %s #%s at %s %s", label, key, ref.type, ref.mlmd_id, ref.uri, extras or "")


def _start(
    spec: ComponentSpec,
    settings: RunSettings,
    raw_inputs: Mapping[str, Sequence[Any]],
    parameters: Mapping[str, Any],
) -> _Launch:
    """Check parameters, connect to MLMD, clean up killed attempts, verify the inputs."""
    run = settings.run
    where = f"{spec.name} {run.component_id!r}"
    params = spec.resolve_parameters(parameters, where=where)
    if spec.validate_parameters is not None:
        spec.validate_parameters(params)
    if os.path.exists(run.pipeline_root) and not os.path.isdir(run.pipeline_root):
        raise PipelineDefinitionError(f"{where}: pipeline_root {run.pipeline_root} is a file, not a folder")
    gateway = MetadataGateway.connect(settings.metadata)
    log.info("MLMD store: %s", settings.metadata.describe())
    contexts = gateway.run_contexts(run.pipeline_name, run.run_id, run.component_id)
    attempts.reclaim_dead_attempts(gateway, contexts, run, spec)
    inputs = check_inputs(
        spec, raw_inputs, gateway=gateway, contexts=contexts, pipeline_root=run.pipeline_root, where=where
    )
    _log_artifacts("input", inputs)
    return _Launch(spec, run, gateway, contexts, params, inputs)


def _apply_gate(launch: _Launch) -> None:
    """Record a CANCELED execution and raise ``ComponentSkipped`` when the spec's gate says no."""
    gate = launch.spec.load_gate()
    if gate is None:
        return
    said = gate(launch.inputs, launch.params, launch.run)
    if said is None:
        return
    code, reason = (said.code, said.reason) if isinstance(said, Refusal) else ("gated", str(said))
    properties = {
        "component_id": launch.run.component_id, "run_id": launch.run.run_id, "skip_reason": reason,
        "skip_code": code,
    }  # fmt: skip
    launch.gateway.record_reusing_execution(
        launch.spec.name, launch.contexts, launch.inputs, {}, properties, state="CANCELED"
    )
    log.info("%s skipped: %s", launch.where, reason)
    raise ComponentSkipped(f"{launch.where} skipped: {reason}", code)


def _from_cache(launch: _Launch, properties: dict[str, Any]) -> tuple[int, ArtifactMap] | None:
    """The outputs of an earlier identical execution, recorded as a CACHED one; None on a miss."""
    fingerprint = str(properties["fingerprint"])
    hit = launch.gateway.find_cached_execution(launch.contexts, fingerprint)
    if hit is None:
        log.info("cache miss (fingerprint %s)", fingerprint[:12])
        return None
    source_id, found = hit
    reused = {key: found.get(key, []) for key in launch.spec.outputs}
    damaged = [
        (r, problem)
        for refs in reused.values()
        for r in refs
        if (problem := output_dirs.integrity_problem(r))
    ]
    if damaged:
        for ref, problem in damaged:
            launch.gateway.mark_damaged(int(ref.mlmd_id or 0), problem)
            output_dirs.retire(ref)
        log.info(
            "cache entry of execution %d ignored: %s",
            source_id,
            "; ".join(f"{r.type} #{r.mlmd_id}: {problem}" for r, problem in damaged),
        )
        log.info("cache miss (fingerprint %s)", fingerprint[:12])
        return None
    execution_id = launch.gateway.record_reusing_execution(
        launch.spec.name,
        launch.contexts,
        launch.inputs,
        reused,
        {**properties, "cached_from_execution": source_id},
    )
    log.info("cache hit: reusing the outputs of execution %d (fingerprint %s)", source_id, fingerprint[:12])
    _log_artifacts("output (cached)", reused)
    return execution_id, reused


def _execute(launch: _Launch, properties: dict[str, Any]) -> tuple[int, ArtifactMap]:
    """Run the executor into staging folders, verify, publish atomically, record in MLMD.

    Nothing of a failed attempt survives: its staging folders and, in case the rename happened
    but recording it in MLMD did not, its final folders are removed, and the execution is FAILED.
    """
    spec, run, gateway, contexts = launch.spec, launch.run, launch.gateway, launch.contexts
    executor = spec.load_executor()  # imports the heavy libraries before MLMD records anything
    properties = {**properties, **attempts.current_process()}
    execution_id = gateway.start_execution(spec.name, contexts, launch.inputs, properties)
    scratch = attempts.scratch_dir(run, execution_id)
    outputs: ArtifactMap = {
        key: [
            ArtifactRef(
                type=out.type.name,
                uri=output_dirs.final_uri(run.pipeline_root, run.component_id, key, execution_id),
            )
        ]
        for key, out in spec.outputs.items()
    }
    staged: ArtifactMap = {}
    try:
        gateway.declare_outputs(execution_id, contexts, outputs)
        staged = output_dirs.prepare_staging(outputs)
        if scratch:
            os.makedirs(scratch, exist_ok=True)
        log.info("running %s executor (execution %d)", spec.name, execution_id)
        executor(
            launch.inputs,
            staged,
            launch.params,
            dataclasses.replace(run, execution_id=execution_id, temp_dir=scratch),
        )
        optional = frozenset(key for key, out in spec.outputs.items() if out.optional)
        dropped = output_dirs.verify_staged(staged, launch.where, optional)
        for key in sorted(dropped):
            log.info("optional output %r was not produced; it is not published", key)
            for ref in staged.pop(key):
                output_dirs.discard(ref.uri)
        published = {key: refs for key, refs in outputs.items() if key not in dropped}
        output_dirs.publish(staged, published)
        gateway.complete_execution(execution_id, contexts, published)
        outputs = {key: ([] if key in dropped else refs) for key, refs in outputs.items()}
    except BaseException as err:
        for refs in [*staged.values(), *outputs.values()]:
            for ref in refs:
                output_dirs.discard(ref.uri)
        try:
            gateway.fail_execution(execution_id, contexts, f"{type(err).__name__}: {err}")
        except Exception:  # the original error matters more than the bookkeeping one
            log.exception("could not record the failure of execution %d in MLMD", execution_id)
        raise
    finally:
        if scratch:
            output_dirs.discard(scratch)
    _log_artifacts("output", outputs)
    return execution_id, outputs


def launch(
    spec: ComponentSpec,
    settings: RunSettings,
    raw_inputs: Mapping[str, Sequence[Any]],
    parameters: Mapping[str, Any],
) -> LaunchResult:
    """Run one component through the whole lifecycle and return its published outputs."""
    started = time.monotonic()
    current = _start(spec, settings, raw_inputs, parameters)
    _apply_gate(current)
    input_fingerprint = spec.load_input_fingerprint()
    extra = input_fingerprint(current.params, current.run) if input_fingerprint else ""
    properties: dict[str, Any] = {
        "fingerprint": compute_fingerprint(spec, current.params, current.inputs, extra),
        "component_id": current.run.component_id,
        "run_id": current.run.run_id,
        "run_type": current.run.run_type,
        "executor_version": spec.executor_version,
    }
    if settings.enable_cache:
        hit = _from_cache(current, properties)
        if hit is not None:
            return LaunchResult(hit[1], hit[0], True, time.monotonic() - started, current.inputs)
    else:
        log.info("cache disabled for %s", current.run.component_id)
    execution_id, outputs = _execute(current, properties)
    return LaunchResult(outputs, execution_id, False, time.monotonic() - started, current.inputs)
