"""``TunerOperator``: TFX's Tuner."""

from airflow_tfx_provider.components.tuner import TunerSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class TunerOperator(ComponentOperator):
    """TFX's Tuner.

    See ``TunerSpec`` for inputs, outputs and parameters.
    """

    spec = TunerSpec
