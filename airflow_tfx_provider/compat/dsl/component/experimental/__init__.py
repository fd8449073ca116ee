"""``tfx.dsl.component.experimental``: Python-function components."""
