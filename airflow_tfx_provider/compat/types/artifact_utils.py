"""``tfx.types.artifact_utils``: the helpers executors use on lists of artifacts."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from airflow_tfx_provider.compat._artifacts import Artifact


def get_single_instance(artifacts: Sequence[Artifact]) -> Artifact:
    """The one artifact of the list; ``ValueError`` when there is not exactly one."""
    if len(artifacts) != 1:
        raise ValueError(f"expected exactly one artifact, got {len(artifacts)}: {list(artifacts)!r}")
    return artifacts[0]


def get_single_uri(artifacts: Sequence[Artifact]) -> str:
    return get_single_instance(artifacts).uri


def encode_split_names(splits: Sequence[str]) -> str:
    """TFX's JSON text for a list of split names."""
    return json.dumps(list(splits))


def decode_split_names(split_names: str) -> list[str]:
    names = json.loads(split_names) if split_names else []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"split_names is not a JSON list of strings: {split_names!r}")
    return names


def get_split_uri(artifacts: Sequence[Artifact], split: str) -> str:
    """The folder of one split (``<uri>/Split-<split>``) of the single artifact in the list."""
    artifact = get_single_instance(artifacts)
    names = decode_split_names(artifact.split_names)
    if names and split not in names:
        raise ValueError(f"split {split!r} not in {names} of {artifact.uri}")
    return os.path.join(artifact.uri, f"Split-{split}")


def get_split_uris(artifacts: Sequence[Artifact], split: str) -> list[str]:
    return [get_split_uri([a], split) for a in artifacts]


__all__ = [
    "decode_split_names", "encode_split_names", "get_single_instance", "get_single_uri", "get_split_uri",
    "get_split_uris",
]  # fmt: skip
