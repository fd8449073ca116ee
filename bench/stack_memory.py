"""Peak memory of an Airflow deployment's processes, per task and in total, by polling /proc.

The LocalExecutor runs each task in a process titled ``airflow worker -- <task instance id>``
(the Task SDK sets it), forked from a worker titled ``airflow worker -- LocalExecutor: ...``.
A task's memory is the task process plus its own children (e.g. InfraValidator's model
server). Two measures, because forked processes share memory copy-on-write:

- RSS: resident pages, shared ones counted in every process that maps them (what ``top``
  and ``/usr/bin/time`` report, and what TFX's 1.1 GB reference is);
- PSS: shared pages divided among the processes sharing them, so the PSS of all processes
  adds up to the memory the deployment really uses.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import psutil

TASK_TITLE_PREFIX = "airflow worker -- "
WORKER_TITLE_PREFIX = "airflow worker -- LocalExecutor"
MB = 1024 * 1024


@dataclass
class Peak:
    rss_mb: float = 0.0
    pss_mb: float = 0.0

    def update(self, rss: float, pss: float) -> None:
        self.rss_mb = max(self.rss_mb, rss / MB)
        self.pss_mb = max(self.pss_mb, pss / MB)


@dataclass
class PhaseMemory:
    """Peaks seen during one phase (e.g. the cold run)."""

    # task instance id (32 hex digits, as the Airflow DB stores it) -> peaks
    tasks: dict[str, Peak] = field(default_factory=lambda: defaultdict(Peak))
    total: Peak = field(default_factory=Peak)  # all processes of the deployment together
    largest_process_rss_mb: float = 0.0
    largest_process_title: str = ""  # its command line as ps shows it (tasks: "airflow worker -- <id>")


def _title(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ""


def _memory(proc: psutil.Process) -> tuple[float, float]:
    """(RSS, PSS) in bytes; PSS from /proc/<pid>/smaps_rollup (via psutil)."""
    try:
        full = proc.memory_full_info()
        return float(full.rss), float(getattr(full, "pss", full.rss))
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0.0, 0.0


class StackMemorySampler(threading.Thread):
    """Polls the process trees under ``roots`` every ``interval`` s; peaks per phase."""

    def __init__(self, roots: Iterable[int], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.roots = list(roots)
        self.interval = interval
        self.phases: dict[str, PhaseMemory] = {}
        self.phase = ""
        self._stop_event = threading.Event()

    def set_phase(self, name: str) -> None:
        self.phase = name
        self.phases.setdefault(name, PhaseMemory())

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            if self.phase:
                self._sample(self.phases[self.phase])

    def _processes(self) -> list[psutil.Process]:
        found: list[psutil.Process] = []
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                found.append(root)
                found.extend(root.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        return found

    def _sample(self, phase: PhaseMemory) -> None:
        processes = self._processes()
        memory = {proc.pid: _memory(proc) for proc in processes}
        titles = {proc.pid: _title(proc) for proc in processes}
        phase.total.update(sum(m[0] for m in memory.values()), sum(m[1] for m in memory.values()))
        for proc in processes:
            rss = memory[proc.pid][0]
            if rss / MB > phase.largest_process_rss_mb:
                phase.largest_process_rss_mb = rss / MB
                phase.largest_process_title = titles[proc.pid]
        for proc in processes:
            title = titles[proc.pid]
            if not title.startswith(TASK_TITLE_PREFIX) or title.startswith(WORKER_TITLE_PREFIX):
                continue
            ti_id = title[len(TASK_TITLE_PREFIX) :].strip().replace("-", "")  # the DB stores hex only
            tree = [proc]
            try:
                tree.extend(proc.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
            sizes = [memory.get(p.pid) or _memory(p) for p in tree]
            phase.tasks[ti_id].update(sum(s[0] for s in sizes), sum(s[1] for s in sizes))
