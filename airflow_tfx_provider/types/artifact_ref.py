"""``ArtifactRef``: one artifact as it travels through XCom and into executors.

XCom carries references, never data. The JSON form is
``{"mlmd_id": int | None, "type": str, "uri": str, "properties": {...}}``; an operator's
XCom value maps each output key to a list of these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_tfx_provider.types.artifact_types import artifact_type

PropertyValue = int | float | str


@dataclass
class ArtifactRef:
    """A reference to one artifact: MLMD id, type name, URI and properties.

    ``properties`` holds both the type's declared properties (``span``, ``split_names``, ...)
    and custom properties; the MLMD layer sorts them out. Executors may add properties to
    the output refs they are given; they never change ``uri`` or ``mlmd_id``.
    """

    type: str
    uri: str
    mlmd_id: int | None = None
    properties: dict[str, PropertyValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        artifact_type(self.type)  # fail early on unknown type names

    # --- split helpers (TFX stores split names as a JSON list string) -----------------
    @property
    def split_names(self) -> list[str]:
        raw = self.properties.get("split_names")
        if raw is None:
            return []
        names = json.loads(str(raw))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"artifact {self.uri}: split_names is not a JSON list of strings: {raw!r}")
        return names

    @split_names.setter
    def split_names(self, names: Sequence[str]) -> None:
        self.properties["split_names"] = json.dumps(list(names))

    def split_uri(self, split: str) -> str:
        """The folder of one split, in TFX's layout: ``<uri>/Split-<split>``."""
        return f"{self.uri.rstrip('/')}/Split-{split}"

    # --- JSON for XCom -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "mlmd_id": self.mlmd_id,
            "type": self.type,
            "uri": self.uri,
            "properties": dict(self.properties),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArtifactRef:
        """Parse one XCom entry; raise ``ValueError`` saying which field is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"artifact reference must be a JSON object, got {type(data).__name__}: {data!r}")
        missing = {"type", "uri"} - set(data)
        if missing:
            raise ValueError(f"artifact reference {data!r} lacks field(s) {sorted(missing)}")
        mlmd_id = data.get("mlmd_id")
        if mlmd_id is not None and not isinstance(mlmd_id, int):
            raise ValueError(f"artifact reference {data!r}: mlmd_id must be an integer")
        props = data.get("properties") or {}
        if not isinstance(props, Mapping):
            raise ValueError(f"artifact reference {data!r}: properties must be an object")
        try:
            return cls(type=str(data["type"]), uri=str(data["uri"]), mlmd_id=mlmd_id, properties=dict(props))
        except KeyError as err:
            raise ValueError(f"artifact reference {data!r}: {err.args[0]}") from None


def refs_to_json(artifacts: Mapping[str, Sequence[ArtifactRef]]) -> dict[str, list[dict[str, Any]]]:
    """An output dict as XCom JSON: ``{key: [ref.to_json(), ...]}``."""
    return {key: [a.to_json() for a in refs] for key, refs in artifacts.items()}
