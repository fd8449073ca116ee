"""``ComponentOperator``: runs one TFX component through the launcher.

Constructor keyword arguments are split by the class's ``spec`` into inputs (upstream
``task.outputs[...]``), parameters (rendered with Jinja at run time) and ordinary
``BaseOperator`` arguments. The operators of this provider subclass it with an explicit,
typed signature (``operators/<stem>.py``); a custom component can subclass it with only a
``spec``. The launcher (and with it MLMD and the executor) is imported when the task runs.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from airflow.sdk import Asset, BaseOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from airflow_tfx_provider.components.spec import ComponentSpec
from airflow_tfx_provider.exceptions import ComponentSkipped, PipelineDefinitionError
from airflow_tfx_provider.operators.asset_events import outputs_extra
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.operators.wiring import as_input_list

if TYPE_CHECKING:
    from airflow_tfx_provider.runtime.launcher import LaunchResult

log = logging.getLogger(__name__)

#: The XCom key of a skipped task's reason, ``{"code": ..., "reason": ...}``.
SKIP_XCOM_KEY = "tfx_skip"


#: The libraries whose INFO lines fill a component's log (Beam's worker chatter, absl's notes).
NOISY_LIBRARIES = (
    "absl", "apache_beam", "tensorflow", "tensorflow_transform", "tensorflow_model_analysis",
    "tensorflow_data_validation", "tfx_bsl", "keras_tuner", "h5py", "urllib3",
)  # fmt: skip


def library_log_level() -> str:
    """``[tfx] library_log_level`` (``AIRFLOW__TFX__LIBRARY_LOG_LEVEL``): WARNING by default."""
    from airflow.configuration import conf

    level = str(conf.get("tfx", "library_log_level", fallback="WARNING")).upper()
    return level if level in logging.getLevelNamesMapping() else "WARNING"


def prepare_tensorflow_environment() -> None:
    """Process settings every component needs before TensorFlow is imported.

    TF 2.16 ships Keras 3 as ``tf.keras`` while TFT and TFMA expect Keras 2, so the legacy
    Keras (tf-keras) is selected; TensorFlow's C++ info logs are quieted, and so are the
    libraries' INFO lines (the provider's own lines and every warning stay; set
    ``[tfx] library_log_level = INFO`` to see them all).
    """
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    level = library_log_level()
    # MLMD's C++ client logs through glog, which reads this when the library loads: without it each
    # connection to a PostgreSQL/MySQL store writes INFO lines to stderr, shown as errors in the task log
    os.environ.setdefault("GLOG_minloglevel", "0" if level in ("DEBUG", "INFO") else "1")
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(level)


@functools.cache
def _operator_argument_names() -> frozenset[str]:
    names: set[str] = {"default_args", "params", "dag", "task_group"}
    for cls in (BaseOperator, PipelineTaskOperator):
        names.update(inspect.signature(cls.__init__).parameters)
    return frozenset(names - {"self", "kwargs"})


class ComponentOperator(PipelineTaskOperator):
    """Generic operator for a TFX component described by ``spec``."""

    spec: ClassVar[ComponentSpec]
    template_fields: Sequence[str] = ("pipeline_root", "parameters")
    ui_color = "#e8f0fe"

    def __init__(self, **kwargs: Any) -> None:
        spec = self.spec
        kwargs.setdefault("task_id", spec.default_id)
        where = f"{spec.name} {kwargs['task_id']!r}"
        inputs = {key: kwargs.pop(key) for key in list(kwargs) if key in spec.inputs}
        parameters = {key: kwargs.pop(key) for key in list(kwargs) if key in spec.parameters}
        unknown = sorted(set(kwargs) - _operator_argument_names())
        if unknown:
            raise PipelineDefinitionError(
                f"{where}: unknown parameter(s) {unknown}; {spec.name} takes inputs {sorted(spec.inputs)}, "
                f"parameters {sorted(spec.parameters)} and the usual operator arguments"
            )
        super().__init__(**kwargs)
        self.parameters = parameters
        resolved = spec.resolve_parameters(parameters, where=where)  # unknown/missing ones fail at parse time
        if spec.validate_parameters is not None:
            spec.validate_parameters(resolved)  # cheap structural checks, no heavy imports
        self.component_inputs = {
            key: as_input_list(
                value, where=f"{where} input {key!r}", expected_type=spec.inputs[key].type.name
            )
            for key, value in inputs.items()
            if value is not None
        }
        missing = [k for k, s in spec.inputs.items() if not s.optional and k not in self.component_inputs]
        if missing:
            raise PipelineDefinitionError(
                f"{where}: missing required input(s) {missing} "
                f"(e.g. {missing[0]}=<upstream task>.outputs[{missing[0]!r}])"
            )
        if self.has_dag():
            self.wire_inputs()

    @property
    def output_types(self) -> dict[str, str]:  # type: ignore[override]
        return {key: out.type.name for key, out in self.spec.outputs.items()}

    def execute(self, context: Context) -> dict[str, Any]:
        prepare_tensorflow_environment()
        # Imported here, not at the top: the launcher loads MLMD, which DAG parsing must not.
        from airflow_tfx_provider.runtime.launcher import launch

        settings = self.run_settings(context)
        try:
            result = launch(self.spec, settings, self.pull_inputs(context), self.launch_parameters(context))
        except ComponentSkipped as skipped:
            self.skip(context, skipped.code, str(skipped))
        state = "reused cached outputs" if result.cached else "executed"
        log.info(
            "%s %s in %.1fs (MLMD execution %d)", self.spec.name, state, result.seconds, result.execution_id
        )
        payload = self.push_outputs(context, result.outputs)
        self.after_launch(context, result)
        return payload

    def skip(self, context: Context, code: str, reason: str) -> NoReturn:
        """End the task skipped; ``tfx_skip`` in XCom says why (``code``: not_blessed, backfill, ...)."""
        context["ti"].xcom_push(key=SKIP_XCOM_KEY, value={"code": code, "reason": reason})
        raise AirflowSkipException(reason)

    def launch_parameters(self, context: Context) -> Mapping[str, Any]:
        """The (rendered) parameters this run launches with; subclasses may derive them from the context."""
        return self.parameters

    def after_launch(self, context: Context, result: LaunchResult) -> None:
        """Airflow-side effects of a finished launch, after its outputs are in XCom.

        Every ``Asset`` in the task's ``outlets`` gets an event when the task succeeds (Airflow's
        rule); this fills its extra with what the run produced (:func:`outputs_extra`).
        """
        extra = outputs_extra(context, result)
        for outlet in self.outlets:
            if isinstance(outlet, Asset):
                context["outlet_events"][outlet].extra.update(extra)
