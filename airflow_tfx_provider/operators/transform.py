"""``TransformOperator``: TFX's Transform."""

from airflow_tfx_provider.components.transform import TransformSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class TransformOperator(ComponentOperator):
    """TFX's Transform.

    See ``TransformSpec`` for inputs, outputs and parameters.
    """

    spec = TransformSpec
