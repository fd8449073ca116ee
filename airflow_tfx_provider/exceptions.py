"""One error tree for the whole provider.

::

    TfxProviderError
     +-- PipelineDefinitionError     the component graph or a component's arguments are wrong (parse time)
     +-- InputResolutionError        an input from XCom does not agree with MLMD or the pipeline root
     +-- ExecutorError               a component's executor failed on its data or user code
     |    +-- InvalidInputDataError  input files are missing, empty or malformed
     |    +-- UserCodeError          a user module file is missing, broken or raised
     |    +-- AnomaliesFoundError    ExampleValidator found anomalies and was asked to fail
     +-- OutputVerificationError     an executor returned without writing what it promised
     +-- MetadataStoreError          the MLMD store cannot be reached or refused a write
     +-- ComponentSkipped            a gate said no (e.g. the model is not blessed): skip, not fail

Every message names what is wrong and where (file, field, artifact id, task), so a
failed task's log is enough to act on.
"""


class TfxProviderError(Exception):
    """Base class of every error raised by airflow-tfx-provider."""


class PipelineDefinitionError(TfxProviderError):
    """The pipeline or a component is defined wrongly; raised while the DAG file is parsed."""


class InputResolutionError(TfxProviderError):
    """An input artifact reference (from XCom) is stale, tampered with or unusable."""


class ExecutorError(TfxProviderError):
    """A component's executor failed."""


class InvalidInputDataError(ExecutorError):
    """Input data is missing, empty or malformed."""


class UserCodeError(ExecutorError):
    """A user-supplied module file or function is missing, broken or raised."""


class AnomaliesFoundError(ExecutorError):
    """ExampleValidator found anomalies and ``fail_on_anomalies`` is set."""


class OutputVerificationError(TfxProviderError):
    """An executor finished but an output it declares is missing or empty."""


class MetadataStoreError(TfxProviderError):
    """The ML Metadata store could not be reached or refused a write."""


class ComponentSkipped(TfxProviderError):
    """A component's gate decided it must not run (e.g. the model is not blessed).

    The operator turns it into ``AirflowSkipException``: the task shows as skipped in the UI
    and downstream tasks follow their trigger rules. Nothing is written. ``code`` says why in a
    word: ``not_blessed``, ``backfill``, ``nothing_new`` (the Pusher), ``gated`` (other gates).
    """

    def __init__(self, message: str, code: str = "gated") -> None:
        super().__init__(message)
        self.code = code
