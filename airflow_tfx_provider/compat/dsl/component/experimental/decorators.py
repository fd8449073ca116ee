"""``tfx.dsl.component.experimental.decorators``: ``component``."""

from airflow_tfx_provider.compat._function_components import (
    BaseFunctionalComponent,
    BaseFunctionalComponentFactory,
    component,
)

__all__ = ["BaseFunctionalComponent", "BaseFunctionalComponentFactory", "component"]
