"""``tfx.types.channel``: ``Channel`` (and ``BaseChannel``, the same here)."""

from airflow_tfx_provider.compat._pipeline import Channel

BaseChannel = Channel

__all__ = ["BaseChannel", "Channel"]
