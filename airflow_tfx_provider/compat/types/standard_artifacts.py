"""``tfx.types.standard_artifacts``: artifact classes by TFX name (``Channel(type=Model)``)."""

from airflow_tfx_provider.compat._artifacts import standard_artifacts as _all

Examples = _all.Examples
ExampleStatistics = _all.ExampleStatistics
Schema = _all.Schema
ExampleAnomalies = _all.ExampleAnomalies
TransformGraph = _all.TransformGraph
TransformCache = _all.TransformCache
Model = _all.Model
ModelRun = _all.ModelRun
HyperParameters = _all.HyperParameters
TunerResults = _all.TunerResults
ModelEvaluation = _all.ModelEvaluation
ModelBlessing = _all.ModelBlessing
InfraBlessing = _all.InfraBlessing
PushedModel = _all.PushedModel
InferenceResult = _all.InferenceResult

__all__ = [
    "ExampleAnomalies",
    "ExampleStatistics",
    "Examples",
    "HyperParameters",
    "InferenceResult",
    "InfraBlessing",
    "Model",
    "ModelBlessing",
    "ModelEvaluation",
    "ModelRun",
    "PushedModel",
    "Schema",
    "TransformCache",
    "TransformGraph",
    "TunerResults",
]
