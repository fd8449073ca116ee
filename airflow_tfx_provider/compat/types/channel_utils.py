"""``tfx.types.channel_utils``: ``as_channel``."""

from __future__ import annotations

from collections.abc import Sequence

from airflow_tfx_provider.compat._artifacts import Artifact
from airflow_tfx_provider.compat._pipeline import Channel
from airflow_tfx_provider.exceptions import PipelineDefinitionError


def as_channel(artifacts: Sequence[Artifact]) -> Channel:
    """TFX's ``as_channel([standard_artifacts.Examples()])``: a channel of that type.

    A component's outputs are always produced by the component here, so only the type counts.
    """
    kinds = {type(a) for a in artifacts}
    if len(kinds) != 1 or not issubclass(next(iter(kinds)), Artifact):
        raise PipelineDefinitionError(f"as_channel() takes artifacts of one type, got {list(artifacts)!r}")
    return Channel(type=next(iter(kinds)))


__all__ = ["as_channel"]
