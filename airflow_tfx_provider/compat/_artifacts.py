"""TFX's ``tfx.types.standard_artifacts`` classes: names of this provider's artifact types."""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

from airflow_tfx_provider.types import ARTIFACT_TYPES


class Artifact:
    """``tfx.types.Artifact``: subclasses carry ``TYPE_NAME`` (used in ``Channel(type=...)``)."""

    TYPE_NAME: ClassVar[str] = ""


def _artifact_class(name: str) -> type[Artifact]:
    return type(name, (Artifact,), {"TYPE_NAME": name, "__doc__": f"TFX's ``standard_artifacts.{name}``."})


standard_artifacts = SimpleNamespace(**{name: _artifact_class(name) for name in ARTIFACT_TYPES})
