"""One operator per TFX component, plus the Importer and the Resolver.

Wire them by passing outputs as arguments::

    example_gen = CsvExampleGenOperator(input_base="/data/taxi")
    statistics_gen = StatisticsGenOperator(examples=example_gen.outputs["examples"])
"""

from airflow_tfx_provider.operators.bulk_inferrer import BulkInferrerOperator
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.csv_example_gen import CsvExampleGenOperator
from airflow_tfx_provider.operators.evaluator import EvaluatorOperator
from airflow_tfx_provider.operators.example_validator import ExampleValidatorOperator
from airflow_tfx_provider.operators.import_example_gen import ImportExampleGenOperator
from airflow_tfx_provider.operators.import_schema_gen import ImportSchemaGenOperator
from airflow_tfx_provider.operators.importer import ImporterOperator
from airflow_tfx_provider.operators.infra_validator import InfraValidatorOperator
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.operators.pusher import PusherOperator, pushed_model_asset
from airflow_tfx_provider.operators.resolver import ResolverOperator
from airflow_tfx_provider.operators.retention import RetentionOperator
from airflow_tfx_provider.operators.schema_gen import SchemaGenOperator
from airflow_tfx_provider.operators.statistics_gen import StatisticsGenOperator
from airflow_tfx_provider.operators.trainer import TrainerOperator
from airflow_tfx_provider.operators.transform import TransformOperator
from airflow_tfx_provider.operators.tuner import TunerOperator
from airflow_tfx_provider.operators.wiring import OutputRef
from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery

__all__ = [
    "ArtifactQuery",
    "BulkInferrerOperator",
    "ComponentOperator",
    "CsvExampleGenOperator",
    "EvaluatorOperator",
    "ExampleValidatorOperator",
    "ImportExampleGenOperator",
    "ImportSchemaGenOperator",
    "ImporterOperator",
    "InfraValidatorOperator",
    "OutputRef",
    "PipelineTaskOperator",
    "PusherOperator",
    "ResolverOperator",
    "RetentionOperator",
    "SchemaGenOperator",
    "StatisticsGenOperator",
    "TrainerOperator",
    "TransformOperator",
    "TunerOperator",
    "pushed_model_asset",
]
