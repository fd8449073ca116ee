"""The provider's Airflow plugin: monitoring pages for TFX pipelines inside Airflow's UI.

Registered through the ``airflow.plugins`` entry point (``setup.cfg``), so it loads with the
provider. Every Airflow process that loads plugins imports this module (the scheduler, the
dag-processor, each task process), so it imports nothing but Airflow's plugin base: the pages'
FastAPI app (``plugins/app.py``) is built by the api-server on its first request.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from airflow_tfx_provider.operators.links import PLUGIN_PREFIX, UI_ROUTE


class _LazyApp:
    """An ASGI app that imports and builds the real FastAPI app when the first request comes."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from airflow_tfx_provider.plugins.app import build_app

            self._app = build_app()
        await self._app(scope, receive, send)


class TfxPlugin(AirflowPlugin):
    """Pages per run, artifact, lineage and model history, with menu entries and tabs in the UI."""

    name = "tfx"
    fastapi_apps = [{"app": _LazyApp(), "url_prefix": PLUGIN_PREFIX, "name": "TFX pipelines"}]
    external_views = [
        {
            "name": "TFX pipelines",
            "href": f"{PLUGIN_PREFIX}/",
            "url_route": UI_ROUTE,
            "category": "browse",
        },
        {
            "name": "TFX models",
            "href": f"{PLUGIN_PREFIX}/dags/{{DAG_ID}}/models",
            "destination": "dag",
            "url_route": "tfx_models",
        },
        {
            "name": "TFX run",
            "href": f"{PLUGIN_PREFIX}/dags/{{DAG_ID}}/runs/{{RUN_ID}}",
            "destination": "dag_run",
            "url_route": "tfx_run",
        },
    ]
