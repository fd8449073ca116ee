"""TFMA's ``EvalConfig`` family, without TFMA: ``from airflow_tfx_provider.compat import tfma``.

Stands in for ``import tensorflow_model_analysis as tfma`` in a pipeline (DAG) file, where
importing TFMA costs 11-18 s at every parse. ``tfma.EvalConfig(...)`` becomes the dict form
the Evaluator takes and checks field by field when the DAG file is parsed. Module files and
executors that compute with TFMA keep importing the real package.
"""

from __future__ import annotations

from airflow_tfx_provider.compat._messages import message

ModelSpec = message("ModelSpec", "tensorflow_model_analysis.ModelSpec")
SlicingSpec = message("SlicingSpec", "tensorflow_model_analysis.SlicingSpec")
CrossSlicingSpec = message("CrossSlicingSpec", "tensorflow_model_analysis.CrossSlicingSpec")
MetricConfig = message("MetricConfig", "tensorflow_model_analysis.MetricConfig")
MetricsSpec = message("MetricsSpec", "tensorflow_model_analysis.MetricsSpec")
MetricThreshold = message("MetricThreshold", "tensorflow_model_analysis.MetricThreshold")
GenericValueThreshold = message("GenericValueThreshold", "tensorflow_model_analysis.GenericValueThreshold")
GenericChangeThreshold = message("GenericChangeThreshold", "tensorflow_model_analysis.GenericChangeThreshold")
PerSliceMetricThreshold = message(
    "PerSliceMetricThreshold", "tensorflow_model_analysis.PerSliceMetricThreshold"
)
AggregationOptions = message("AggregationOptions", "tensorflow_model_analysis.AggregationOptions")
BinarizationOptions = message("BinarizationOptions", "tensorflow_model_analysis.BinarizationOptions")
Options = message("Options", "tensorflow_model_analysis.Options")
EvalConfig = message(
    "EvalConfig", "tensorflow_model_analysis.EvalConfig",
    ("model_specs", "slicing_specs", "cross_slicing_specs", "metrics_specs", "options"),
)  # fmt: skip


class MetricDirection:
    """``tfma.MetricDirection``: members are their names, as ``json_format`` writes them."""

    UNKNOWN = "UNKNOWN"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"


__all__ = [
    "AggregationOptions", "BinarizationOptions", "CrossSlicingSpec", "EvalConfig", "GenericChangeThreshold",
    "GenericValueThreshold", "MetricConfig", "MetricDirection", "MetricThreshold", "MetricsSpec", "ModelSpec",
    "Options", "PerSliceMetricThreshold", "SlicingSpec",
]  # fmt: skip
