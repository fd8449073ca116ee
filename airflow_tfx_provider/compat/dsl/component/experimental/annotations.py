"""``tfx.dsl.component.experimental.annotations``: the argument annotations of ``@component``."""

from airflow_tfx_provider.compat._function_components import (
    AsyncOutputArtifact,
    BeamComponentParameter,
    InputArtifact,
    OutputArtifact,
    OutputDict,
    Parameter,
)

__all__ = [
    "AsyncOutputArtifact", "BeamComponentParameter", "InputArtifact", "OutputArtifact", "OutputDict",
    "Parameter",
]  # fmt: skip
