"""The top-level ``Dockerfile`` as a list of instructions, and the environment its image sets.

Enough of the Dockerfile syntax for this project's file: comments, ``\\`` continuations,
``ENV key=value ...`` pairs. The unit test checks the instructions' order; the loopback
deployment gives its services the image's environment.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ENV, ...
    arguments: str  # continuation lines joined with single spaces
    line: int  # where it starts, 1-based


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        pending.append(stripped.removesuffix("\\").strip())
        if not stripped.endswith("\\"):
            keyword, _, arguments = " ".join(p for p in pending if p).partition(" ")
            found.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    return found


def final_stage(found: list[Instruction]) -> list[Instruction]:
    """The instructions of the last ``FROM`` on: what the shipped image is made of."""
    starts = [i for i, instruction in enumerate(found) if instruction.keyword == "FROM"]
    return found[starts[-1] :] if starts else found


def image_environment(host_env: Mapping[str, str], path: Path = DOCKERFILE) -> dict[str, str]:
    """``ENV`` of the final stage, each value expanded as Docker does (``$NAME`` of earlier values)."""
    env: dict[str, str] = {}
    for instruction in final_stage(instructions(path)):
        if instruction.keyword != "ENV":
            continue
        for pair in shlex.split(instruction.arguments):
            key, _, value = pair.partition("=")
            env[key] = _expand(value, {**host_env, **env})
    return env


def _expand(value: str, known: Mapping[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_]\w*)\}?", lambda match: known.get(match.group(1), ""), value)
