"""``tfx.orchestration.local``."""
