"""Attempts that died: how the launcher knows, and what it cleans up after them.

Every execution records which process runs it: ``host`` (the host name), ``boot_id`` (the
kernel's boot id, new after every reboot), ``pid`` and ``process_start`` (the process start
time in clock ticks since boot, from ``/proc/<pid>/stat``; a reused pid has another start
time). An execution still RUNNING in MLMD is dead when

- it belongs to this very task in this run (Airflow runs one attempt of a task instance at a
  time, so a new attempt means the earlier one is over), or
- it ran on this host and its process is gone: another boot, no such pid, or a pid now held
  by a process that started at another time.

An attempt on another host that is still RUNNING is left alone: its process cannot be seen
from here, and it may be a live attempt of a parallel run. (Its own task's next attempt in
the same run, on whatever host, reclaims it.)

Reclaiming removes the attempt's staging folders, any final folder it renamed but never
committed (its outputs are not LIVE), its scratch folder, then marks the execution FAILED and
its PENDING outputs ABANDONED. Scratch folders of attempts that are no longer RUNNING (e.g.
killed right after MLMD recorded them COMPLETE) are swept at the same time.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from airflow_tfx_provider.components.spec import ComponentSpec, ExecutionInfo
from airflow_tfx_provider.metadata.store import MetadataGateway, RunContexts
from airflow_tfx_provider.runtime import output_dirs

log = logging.getLogger(__name__)


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot, None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])  # field 22 of proc(5), counted from field 3


def current_process() -> dict[str, Any]:
    """The properties that identify this process, recorded on each execution it starts."""
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "boot_id": _boot_id(),
        "pid": pid,
        "process_start": _start_ticks(pid) or 0,
    }


def death_reason(properties: dict[str, Any], *, same_task_instance: bool) -> str | None:
    """Why a RUNNING execution is known to be dead, or None when it may still be running."""
    if same_task_instance:
        return "an earlier attempt of this task in this run (Airflow runs one attempt at a time)"
    if properties.get("host") != socket.gethostname() or not properties.get("pid"):
        return None
    if properties.get("boot_id") and properties.get("boot_id") != _boot_id():
        return f"its host {properties['host']} rebooted since"
    pid = int(properties["pid"])
    started = _start_ticks(pid)
    if started is None:
        return f"its process {pid} on {properties['host']} no longer exists"
    if properties.get("process_start") and int(properties["process_start"]) != started:
        return f"its process {pid} on {properties['host']} is gone (the pid now belongs to another process)"
    return None


def scratch_dir(run: ExecutionInfo, execution_id: int) -> str:
    """The execution's own scratch folder (``<root>/.temp/<task>/<execution id>``), "" if none."""
    return os.path.join(run.temp_dir, str(execution_id)) if run.temp_dir else ""


def reclaim_dead_attempts(
    gateway: MetadataGateway, contexts: RunContexts, run: ExecutionInfo, spec: ComponentSpec
) -> list[int]:
    """Clean up after every dead RUNNING execution of this node (any run); return their ids."""
    reclaimed, alive = [], set()
    for execution_id, properties, in_this_run in gateway.running_executions_of_node(contexts):
        reason = death_reason(properties, same_task_instance=in_this_run)
        if reason is None:
            alive.add(str(execution_id))
            continue
        log.warning(
            "execution %d of %s was interrupted (%s); cleaning up", execution_id, run.component_id, reason
        )
        for stored in [s for outputs in gateway.execution_outputs(execution_id).values() for s in outputs]:
            if stored.state != "LIVE":  # renamed into place but never committed
                output_dirs.discard(stored.ref.uri)
        for key in spec.outputs:  # its staging folders, declared outputs or not
            final = output_dirs.final_uri(run.pipeline_root, run.component_id, key, execution_id)
            output_dirs.discard(output_dirs.staging_uri(final))
        if run.temp_dir:
            output_dirs.discard(scratch_dir(run, execution_id))
        gateway.fail_execution(execution_id, None, f"attempt interrupted: {reason}")
        reclaimed.append(execution_id)
    if run.temp_dir and os.path.isdir(run.temp_dir):
        for name in os.listdir(run.temp_dir):
            if name not in alive:
                output_dirs.discard(os.path.join(run.temp_dir, name))
    return reclaimed
