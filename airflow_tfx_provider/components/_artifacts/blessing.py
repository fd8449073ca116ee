"""Blessings: the ModelBlessing and InfraBlessing contracts of TFX.

A blessing artifact holds a marker file (``BLESSED`` / ``NOT_BLESSED`` for ModelBlessing,
``INFRA_BLESSED`` / ``INFRA_NOT_BLESSED`` for InfraBlessing) and the property ``blessed``
(1 or 0). Gated components (Pusher, BulkInferrer) read them to decide whether to run.
"""

from __future__ import annotations

import os

from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

MARKERS: dict[str, tuple[str, str]] = {
    "ModelBlessing": ("BLESSED", "NOT_BLESSED"),
    "InfraBlessing": ("INFRA_BLESSED", "INFRA_NOT_BLESSED"),
}


def write_blessing(artifact: ArtifactRef, blessed: bool) -> None:
    """Write the marker file and set the ``blessed`` property."""
    positive, negative = MARKERS[artifact.type]
    os.makedirs(artifact.uri, exist_ok=True)
    with open(os.path.join(artifact.uri, positive if blessed else negative), "w"):
        pass
    artifact.properties["blessed"] = 1 if blessed else 0


def is_blessed(artifact: ArtifactRef) -> bool:
    """Read a blessing: the ``blessed`` property, cross-checked with the marker file."""
    positive, negative = MARKERS[artifact.type]
    has_positive = os.path.exists(os.path.join(artifact.uri, positive))
    has_negative = os.path.exists(os.path.join(artifact.uri, negative))
    if has_positive == has_negative:
        raise InvalidInputDataError(
            f"{artifact.type} #{artifact.mlmd_id} at {artifact.uri} has "
            f"{'both' if has_positive else 'neither'} {positive} and {negative}"
        )
    prop = artifact.properties.get("blessed")
    if prop is not None and bool(int(prop)) != has_positive:
        raise InvalidInputDataError(
            f"{artifact.type} #{artifact.mlmd_id}: property blessed={prop} contradicts the marker file"
        )
    return has_positive


def refusal(blessings: list[ArtifactRef]) -> str | None:
    """The reason to refuse when any blessing says no, else None."""
    for artifact in blessings:
        if not is_blessed(artifact):
            return f"{artifact.type} #{artifact.mlmd_id} says {MARKERS[artifact.type][1]} ({artifact.uri})"
    return None
