"""Shared helpers of the benchmark scripts: process measurement, statistics, RESULTS.md.

The machine the benchmarks run on is shared and noisy, so every comparison is made inside
one run: the variants alternate (A B A B ...), each repetition runs in a fresh process, and
results are reported as median with min-max spread and as same-run ratios.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "bench"
OUT_DIR = BENCH_DIR / "out"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
VENV_BIN = Path(sys.executable).parent
JSON_MARKER = "BENCH_JSON:"
GNU_TIME = "/usr/bin/time"

HEAVY_MODULES = (
    "tensorflow",
    "tensorflow_data_validation",
    "tensorflow_transform",
    "tensorflow_model_analysis",
    "apache_beam",
    "ml_metadata",
    "tfx_bsl",
    "pyarrow",
    "keras",
    "tf_keras",
    "pandas",
    "numpy",
)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: TF settings every component process needs."""
    env = dict(os.environ)
    env.update({"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"})
    pythonpath = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{pythonpath}" if pythonpath else str(REPO)
    env.update(extra)
    return env


# ---------------------------------------------------------------------------------------------
# Measuring one process (tree)
# ---------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One measured process: wall time, peak memory, exit code and what it reported."""

    wall_s: float
    returncode: int
    maxrss_mb: float | None = None  # /usr/bin/time -v: largest single process of the tree
    cpu_s: float | None = None  # /usr/bin/time -v: user + system CPU time of the tree (waited children)
    tree_peak_mb: float | None = None  # psutil polling: peak of the summed RSS of the whole tree
    child: dict[str, Any] = field(default_factory=dict)  # the BENCH_JSON line the child printed
    log_path: str = ""

    @property
    def peak_mb(self) -> float | None:
        """The larger of both memory readings (they agree for a single process)."""
        values = [v for v in (self.maxrss_mb, self.tree_peak_mb) if v is not None]
        return max(values) if values else None


class _TreeRssPoller(threading.Thread):
    """Polls the summed RSS of a process and all its descendants (Beam may spawn workers)."""

    def __init__(self, pid: int, interval: float = 0.1, skip_root: bool = False) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.skip_root = skip_root
        self.peak_bytes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            total = 0
            try:
                procs = root.children(recursive=True)
                if not self.skip_root:
                    procs.append(root)
            except psutil.Error:
                break
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def _parse_gnu_time(text: str) -> tuple[float | None, float | None]:
    """(max RSS in MB, user + system CPU seconds) from ``/usr/bin/time -v`` output."""
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    cpu = float(user.group(1)) + float(system.group(1)) if user and system else None
    return (int(rss.group(1)) / 1024 if rss else None), cpu


def _parse_child_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(JSON_MARKER):
            value = json.loads(line[len(JSON_MARKER) :])
            return value if isinstance(value, dict) else {"value": value}
    return {}


def run_measured(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    log_path: Path | None = None,
    timeout: float | None = None,
    poll_memory: bool = True,
) -> Measurement:
    """Run ``cmd`` once; measure wall time and peak RSS (``/usr/bin/time -v`` plus psutil polling).

    stdout and stderr go to ``log_path`` (stdout first), so the child's logs never reach the
    table; the child's ``BENCH_JSON:{...}`` line, if any, is returned as ``Measurement.child``.
    """
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        time_file = os.path.join(tmp, "time.txt")
        full_cmd = [GNU_TIME, "-v", "-o", time_file, *cmd] if use_time else list(cmd)
        out_path = Path(tmp) / "stdout.txt"
        err_path = Path(tmp) / "stderr.txt"
        with out_path.open("w") as out, err_path.open("w") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(full_cmd, env=dict(env) if env else None, cwd=cwd, stdout=out, stderr=err)
            poller = _TreeRssPoller(proc.pid, skip_root=use_time) if poll_memory else None
            if poller:
                poller.start()
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode = proc.wait()
            wall = time.perf_counter() - started
            if poller:
                poller.stop()
        stdout = out_path.read_text(errors="replace")
        stderr = err_path.read_text(errors="replace")
        time_text = Path(time_file).read_text() if use_time and os.path.exists(time_file) else ""
        maxrss, cpu = _parse_gnu_time(time_text)
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(f"$ {shlex.join(cmd)}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}")
    return Measurement(
        wall_s=wall,
        returncode=returncode,
        maxrss_mb=maxrss,
        cpu_s=cpu,
        tree_peak_mb=poller.peak_bytes / 2**20 if poller and poller.peak_bytes else None,
        child=_parse_child_json(stdout),
        log_path=str(log_path or ""),
    )


def check_ok(m: Measurement, what: str) -> None:
    if m.returncode != 0:
        tail = ""
        if m.log_path and os.path.exists(m.log_path):
            tail = "\n".join(Path(m.log_path).read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"{what} failed with exit code {m.returncode}; log {m.log_path}\n{tail}")


def alternate(
    variants: Sequence[tuple[str, Callable[[int], Measurement]]],
    repetitions: int,
    *,
    rotate: bool = False,
    quiet: bool = False,
) -> dict[str, list[Measurement]]:
    """Run the variants alternately (A B A B ...), ``repetitions`` times each.

    With ``rotate`` the order shifts by one each repetition (A B C, B C A, C A B, ...), so a
    load that drifts during the run does not always hit the same variant first.
    """
    results: dict[str, list[Measurement]] = {name: [] for name, _ in variants}
    for rep in range(repetitions):
        shift = rep % len(variants) if rotate else 0
        for name, run in [*variants[shift:], *variants[:shift]]:
            m = run(rep)
            results[name].append(m)
            if not quiet:
                mem = f", peak {m.peak_mb:.0f} MB" if m.peak_mb else ""
                cpu = f", cpu {m.cpu_s:.1f} s" if m.cpu_s is not None else ""
                print(f"  rep {rep + 1}/{repetitions} {name}: {m.wall_s:.2f} s{cpu}{mem}", flush=True)
    return results


# ---------------------------------------------------------------------------------------------
# Statistics and formatting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Summary:
        vals = [v for v in values if v is not None]
        if not vals:
            return cls(float("nan"), float("nan"), float("nan"), 0)
        return cls(statistics.median(vals), min(vals), max(vals), len(vals))

    @property
    def spread_pct(self) -> float:
        """(max - min) / median, in percent."""
        return 100 * (self.high - self.low) / self.median if self.median else float("nan")

    def fmt(self, digits: int = 2, unit: str = "") -> str:
        if self.n == 0:
            return "n/a"
        u = f" {unit}" if unit else ""
        return f"{self.median:.{digits}f}{u} ({self.low:.{digits}f}-{self.high:.{digits}f})"


def paired_ratios(a: Sequence[float | None], b: Sequence[float | None]) -> list[float]:
    """``a[i] / b[i]`` for each repetition i (the two runs of a pair ran back to back)."""
    return [x / y for x, y in zip(a, b, strict=False) if x is not None and y]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Machine info and RESULTS.md
# ---------------------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "uname -a": uname,
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "Python": platform.python_version(),
        "load average at start": load,
    }


def package_versions(names: Sequence[str]) -> str:
    from importlib import metadata

    parts = []
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def invoked_command(module: str, argv: Sequence[str] | None) -> str:
    """The command that reproduces this benchmark."""
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python -m", module, *(shlex.quote(a) for a in args)])


def _outer_command(module: str) -> str:
    main_spec = sys.modules["__main__"].__spec__
    if main_spec is None or main_spec.name == module:
        return ""
    return " ".join(["python -m", main_spec.name, *(shlex.quote(a) for a in sys.argv[1:])])


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def section_header(title: str, command: str, machine: Mapping[str, str], started: str) -> str:
    module = command.split()[2] if command.startswith("python -m ") else ""
    outer = _outer_command(module)
    via = f", run by `{outer}`" if outer else ""
    lines = [
        f"## {title}",
        "",
        f"- date: {started}",
        f"- command: `{command}` (from `{REPO}`{via}; env `TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2`)",
    ]
    lines += [f"- {k}: {v}" for k, v in machine.items()]
    return "\n".join(lines)


_RESULTS_PREAMBLE = """# Benchmark results

Recorded by the scripts in `bench/` (`make bench` runs them all). Measurements only: nothing
here is asserted by the test suite. The machine is shared and noisy, so each comparison is
made within one run, alternating the variants (A B A B ...) in fresh processes, and is
reported as median (min-max) and as same-run ratios. Each section is replaced when its
script runs again.
"""


def update_results(key: str, body: str, path: Path = RESULTS_MD) -> None:
    """Insert or replace the section ``key`` (delimited by HTML comments) in ``RESULTS.md``."""
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else _RESULTS_PREAMBLE
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
    print(f"updated section {key!r} of {path}")


def which(name: str) -> str:
    """An executable of the venv (``airflow``), else from PATH."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found in {VENV_BIN} nor on PATH")
    return found


def variant_table(results: Mapping[str, Sequence[Measurement]], import_label: str, count_key: str,
                  count_label: str) -> str:  # fmt: skip
    """The per-variant table of the operator-vs-direct benchmarks (median (min-max) per column)."""

    def s(name: str, get: Callable[[Measurement], float | None], digits: int = 1) -> str:
        return Summary.of([get(m) for m in results[name]]).fmt(digits)

    rows = [
        [
            name,
            s(name, lambda m: m.wall_s),
            s(name, lambda m: m.cpu_s),
            s(name, lambda m: m.child.get("import_s")),
            s(name, lambda m: m.child.get("work_s")),
            s(name, lambda m: m.child.get("work_cpu_s")),
            s(name, lambda m: m.child.get("executor_s")) if name == "operator" else "-",
            s(name, lambda m: m.maxrss_mb, 0),
            s(name, lambda m: m.tree_peak_mb, 0),
            json.dumps(ms[0].child.get(count_key)),
        ]
        for name, ms in results.items()
    ]
    header = [
        "variant", "process wall s", "process CPU s", import_label, "work s", "work CPU s (main process)",
        "executor s", "max RSS MB (time -v)", "tree peak RSS MB (psutil)", count_label,
    ]  # fmt: skip
    return markdown_table(header, rows)
