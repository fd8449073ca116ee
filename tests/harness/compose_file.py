"""``docker-compose.yaml`` as data, and its Airflow services translated for a run on loopback.

The compose file is the one place that says how the deployment's services start: the unit test
(``tests/unit/deploy/test_compose.py``) checks it, and ``celery_stack`` starts the same commands
and health checks on this machine, with the service names and container paths mapped onto
local ports and folders by a ``Loopback``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yaml"
COMMON = "x-airflow-common"
INIT_SERVICE = "airflow-init"

# Compose's interpolation: $$, ${NAME}, ${NAME:-default}, ${NAME-default}, $NAME
_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?)-([^}]*))?\}|([A-Za-z_]\w*))")


def load(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The file as Compose reads it before interpolation (YAML anchors and ``<<`` merges resolved)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's variable substitution of one string value."""

    def substitute(match: re.Match[str]) -> str:
        escaped, name, colon, default, bare = match.groups()
        if escaped:
            return "$"
        if bare:
            return env.get(bare, "")
        current = env.get(name)
        if default is None:
            return current or ""
        if current is None or (colon and not current):
            return default
        return current

    return _VARIABLE.sub(substitute, value)


def airflow_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built on the ``x-airflow-common`` anchor (same image), by name."""
    image = compose[COMMON]["image"]
    return {name: s for name, s in compose["services"].items() if s.get("image") == image}


def long_running(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The Airflow services that keep running (all but the one-shot init)."""
    return {n: s for n, s in airflow_services(compose).items() if n != INIT_SERVICE}


def health_argv(service: Mapping[str, Any]) -> list[str]:
    """The service's health check as an argv, as Docker runs it (``CMD-SHELL`` through ``sh -c``)."""
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *rest = test
    if kind == "CMD-SHELL":
        return ["sh", "-c", " ".join(rest)]
    if kind != "CMD":
        raise ValueError(f"health check test {test!r} runs nothing")
    return list(rest)


@dataclass(frozen=True)
class Loopback:
    """Where each name of the compose file is on this machine.

    ``addresses`` maps ``service:port`` (and ``localhost:port`` inside a container) to
    ``127.0.0.1:port``; ``paths`` maps container folders to local ones. Both are replaced in
    one pass, longest first, so ``/opt/airflow-tfx-provider`` is not read as ``/opt/airflow``.
    """

    addresses: Mapping[str, str]
    paths: Mapping[str, str]
    variables: Mapping[str, str]

    def translate(self, value: str) -> str:
        value = interpolate(value, self.variables)
        table = {**self.addresses, **self.paths}
        pattern = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
        return pattern.sub(lambda m: table[m.group(0)], value)

    def argv(self, argv: list[str]) -> list[str]:
        return [self.translate(str(arg)) for arg in argv]

    def environment(self, service: Mapping[str, Any]) -> dict[str, str]:
        env = service.get("environment") or {}
        if isinstance(env, list):  # the KEY=VALUE list form
            env = dict(item.split("=", 1) for item in env)
        return {key: self.translate(str(value)) for key, value in env.items()}


def bind_mounts(service: Mapping[str, Any]) -> dict[str, Path]:
    """Container path -> repository folder of each ``./host:container[:mode]`` volume."""
    mounts = {}
    for volume in service.get("volumes") or []:
        source, target, *_ = str(volume).split(":")
        if source.startswith("./"):
            mounts[target] = REPO / source[2:]
    return mounts
