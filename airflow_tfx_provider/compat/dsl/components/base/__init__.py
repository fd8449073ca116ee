"""``tfx.dsl.components.base``: the bases of class-based custom components."""
