"""How the Evaluator names slices, shared with the UI pages (standard library only: no TFMA import)."""

from __future__ import annotations

from typing import Any

OVERALL_SLICE = "Overall"


def slice_name(slice_key: Any) -> str:
    """``Overall`` or ``col=value[&col2=value2]`` for a ``tfma.SliceKey`` proto."""
    parts = []
    for key_part in slice_key.single_slice_keys:
        kind = key_part.WhichOneof("kind")
        value: Any = getattr(key_part, kind) if kind else ""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "backslashreplace")
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key_part.column}={value}")
    return "&".join(parts) or OVERALL_SLICE
