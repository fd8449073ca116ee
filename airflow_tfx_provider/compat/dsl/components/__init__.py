"""``tfx.dsl.components``."""
