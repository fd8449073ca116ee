"""``tfx.dsl.components`` (and ``tfx.v1.dsl.components``): ``@component`` and its annotations."""

from airflow_tfx_provider.compat._function_components import (
    AsyncOutputArtifact,
    BeamComponentParameter,
    InputArtifact,
    OutputArtifact,
    OutputDict,
    Parameter,
    component,
)

__all__ = [
    "AsyncOutputArtifact", "BeamComponentParameter", "InputArtifact", "OutputArtifact", "OutputDict",
    "Parameter",
    "component",
]  # fmt: skip
