"""``StatisticsGenOperator``: Computes TFDV statistics per split (TFX's StatisticsGen)."""

from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class StatisticsGenOperator(ComponentOperator):
    """Computes TFDV statistics per split (TFX's StatisticsGen).

    See ``StatisticsGenSpec`` for inputs, outputs and parameters.
    """

    spec = StatisticsGenSpec
