"""``EvaluatorOperator``: TFX's Evaluator."""

from airflow_tfx_provider.components.evaluator import EvaluatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class EvaluatorOperator(ComponentOperator):
    """TFX's Evaluator.

    See ``EvaluatorSpec`` for inputs, outputs and parameters.
    """

    spec = EvaluatorSpec
