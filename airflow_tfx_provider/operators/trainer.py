"""``TrainerOperator``: TFX's Trainer."""

from airflow_tfx_provider.components.trainer import TrainerSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class TrainerOperator(ComponentOperator):
    """TFX's Trainer.

    See ``TrainerSpec`` for inputs, outputs and parameters.
    """

    spec = TrainerSpec
