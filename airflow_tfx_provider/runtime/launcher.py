"""The launcher: one place where every component run goes through the same lifecycle.

resolve inputs -> fingerprint -> cache lookup -> allocate output URIs -> run the executor
into staging folders -> verify outputs -> atomic rename -> publish to MLMD. The caller
(the operator) pushes the returned references to XCom.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_tfx_provider.components.base import ComponentSpec, ExecutionInfo
from airflow_tfx_provider.exceptions import ComponentSkipped
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway, RunContexts
from airflow_tfx_provider.runtime import output_dirs
from airflow_tfx_provider.runtime.fingerprint import compute_fingerprint
from airflow_tfx_provider.runtime.input_check import check_inputs
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSettings:
    """Where and for which run a component executes. Plain data, no Airflow objects."""

    pipeline_name: str
    pipeline_root: str
    run_id: str
    component_id: str
    metadata: MetadataConfig
    enable_cache: bool = True
    beam_pipeline_args: tuple[str, ...] = ()
    logical_date: dt.datetime | None = None
    data_interval_start: dt.datetime | None = None
    data_interval_end: dt.datetime | None = None
    temp_dir: str = ""
    run_type: str = ""


@dataclass
class LaunchResult:
    outputs: dict[str, list[ArtifactRef]]
    execution_id: int
    cached: bool
    seconds: float = 0.0
    inputs: dict[str, list[ArtifactRef]] = field(default_factory=dict)


def _where(spec: ComponentSpec, settings: RunSettings) -> str:
    return f"{spec.name} {settings.component_id!r}"


def _cleanup_interrupted(
    gateway: MetadataGateway, contexts: RunContexts, settings: RunSettings, spec: ComponentSpec
) -> None:
    """An earlier attempt of this task in this run that is still RUNNING was killed: fail it."""
    for execution_id in gateway.running_executions_of_run(contexts):
        log.warning(
            "execution %d of %s was interrupted; marking it FAILED", execution_id, settings.component_id
        )
        for key in spec.outputs:
            final = output_dirs.final_uri(settings.pipeline_root, settings.component_id, key, execution_id)
            output_dirs.discard(output_dirs.staging_uri(final))
        gateway.fail_execution(execution_id, contexts, "attempt interrupted (task killed or worker lost)")


def _log_artifacts(label: str, artifacts: Mapping[str, Sequence[ArtifactRef]]) -> None:
    for key, refs in artifacts.items():
        for ref in refs:
            extras = {k: v for k, v in ref.properties.items() if k in ("span", "version", "split_names")}
            log.info("%s %s: %s #%s at %s %s", label, key, ref.type, ref.mlmd_id, ref.uri, extras or "")


def launch(
    spec: ComponentSpec,
    settings: RunSettings,
    raw_inputs: Mapping[str, Sequence[Any]],
    parameters: Mapping[str, Any],
) -> LaunchResult:
    """Run one component through the whole lifecycle and return its published outputs."""
    started = time.monotonic()
    where = _where(spec, settings)
    params = spec.resolve_parameters(parameters, where=where)
    if spec.validate_parameters is not None:
        spec.validate_parameters(params)

    gateway = MetadataGateway.connect(settings.metadata)
    log.info("MLMD store: %s", settings.metadata.describe())
    contexts = gateway.run_contexts(settings.pipeline_name, settings.run_id, settings.component_id)
    _cleanup_interrupted(gateway, contexts, settings, spec)

    inputs = check_inputs(
        spec, raw_inputs, gateway=gateway, pipeline_root=settings.pipeline_root, where=where
    )
    _log_artifacts("input", inputs)

    info = ExecutionInfo(
        pipeline_name=settings.pipeline_name,
        pipeline_root=settings.pipeline_root,
        run_id=settings.run_id,
        component_id=settings.component_id,
        logical_date=settings.logical_date,
        data_interval_start=settings.data_interval_start,
        data_interval_end=settings.data_interval_end,
        beam_pipeline_args=settings.beam_pipeline_args,
        temp_dir=settings.temp_dir,
        run_type=settings.run_type,
    )
    if spec.gate is not None:
        reason = spec.gate(inputs, params, info)
        if reason is not None:
            gateway.record_reusing_execution(
                spec.name, contexts, inputs, {}, {"component_id": settings.component_id,
                "run_id": settings.run_id, "skip_reason": reason}, state="CANCELED",
            )  # fmt: skip
            log.info("%s skipped: %s", where, reason)
            raise ComponentSkipped(f"{where} skipped: {reason}")

    extra = spec.input_fingerprint(params, info) if spec.input_fingerprint else ""
    fingerprint = compute_fingerprint(spec, params, inputs, extra)
    properties = {
        "fingerprint": fingerprint,
        "component_id": settings.component_id,
        "run_id": settings.run_id,
        "executor_version": spec.executor_version,
    }

    if settings.enable_cache:
        hit = gateway.find_cached_execution(contexts, fingerprint)
        if hit is not None:
            source_id, reused = hit
            reused = {key: reused.get(key, []) for key in spec.outputs}
            missing = [r.uri for refs in reused.values() for r in refs if not output_dirs.is_present(r.uri)]
            if missing:
                log.info("cache entry of execution %d ignored: files gone at %s", source_id, missing)
            else:
                execution_id = gateway.record_reusing_execution(
                    spec.name, contexts, inputs, reused, {**properties, "cached_from_execution": source_id}
                )
                log.info(
                    "cache hit: reusing the outputs of execution %d (fingerprint %s)",
                    source_id,
                    fingerprint[:12],
                )
                _log_artifacts("output (cached)", reused)
                return LaunchResult(reused, execution_id, True, time.monotonic() - started, inputs)
        log.info("cache miss (fingerprint %s)", fingerprint[:12])
    else:
        log.info("cache disabled for %s", settings.component_id)

    execution_id = gateway.start_execution(spec.name, contexts, inputs, properties)
    outputs: dict[str, list[ArtifactRef]] = {
        key: [
            ArtifactRef(
                type=out.type.name,
                uri=output_dirs.final_uri(settings.pipeline_root, settings.component_id, key, execution_id),
            )
        ]
        for key, out in spec.outputs.items()
    }
    staged: dict[str, list[ArtifactRef]] = {}
    try:
        gateway.declare_outputs(execution_id, contexts, outputs)
        staged = output_dirs.prepare_staging(outputs)
        if settings.temp_dir:
            os.makedirs(settings.temp_dir, exist_ok=True)
        info = ExecutionInfo(**{**info.__dict__, "execution_id": execution_id})
        log.info("running %s executor (execution %d)", spec.name, execution_id)
        spec.executor(inputs, staged, params, info)
        optional = frozenset(key for key, out in spec.outputs.items() if out.optional)
        dropped = output_dirs.verify_staged(staged, where, optional)
        for key in sorted(dropped):
            log.info("optional output %r was not produced; it is not published", key)
            for ref in staged.pop(key):
                output_dirs.discard(ref.uri)
        published = {key: refs for key, refs in outputs.items() if key not in dropped}
        output_dirs.publish(staged, published)
        gateway.complete_execution(execution_id, contexts, published)
        outputs = {key: ([] if key in dropped else refs) for key, refs in outputs.items()}
    except BaseException as err:
        # Nothing of this attempt may survive: staging folders, and final folders in case
        # the rename happened but recording it in MLMD did not.
        for refs in [*staged.values(), *outputs.values()]:
            for ref in refs:
                output_dirs.discard(ref.uri)
        reason = f"{type(err).__name__}: {err}"
        try:
            gateway.fail_execution(execution_id, contexts, reason)
        except Exception:  # the original error matters more than the bookkeeping one
            log.exception("could not record the failure of execution %d in MLMD", execution_id)
        raise
    _log_artifacts("output", outputs)
    return LaunchResult(outputs, execution_id, False, time.monotonic() - started, inputs)
