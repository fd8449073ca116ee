"""The extra link on every TFX task: its artifacts, in the provider's pages inside the Airflow UI."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlparse

from airflow.sdk import BaseOperatorLink

#: Where the plugin's app is mounted, and the external view's ``url_route`` that shows it in the UI.
PLUGIN_PREFIX = "/tfx"
UI_ROUTE = "tfx"


def task_page(dag_id: str, run_id: str, task_id: str) -> str:
    """The path of a task's page in the plugin app."""
    parts = ("dags", dag_id, "runs", run_id, "tasks", task_id)
    return f"{PLUGIN_PREFIX}/" + "/".join(quote(p, safe="") for p in parts)


def _root_path() -> str:
    """The api-server's path under its host (``[api] base_url``), usually empty."""
    from airflow.configuration import conf

    return urlparse(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


class TfxArtifactsLink(BaseOperatorLink):
    """ "TFX artifacts": the task's inputs and outputs with their views (statistics, schema, ...).

    A same-origin link into the Airflow UI (``/plugin/tfx/...``), so the page opens in the UI's
    frame with its navigation, authorized by the user's session.
    """

    name = "TFX artifacts"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return f"{_root_path()}/plugin/{UI_ROUTE}{task_page(ti_key.dag_id, ti_key.run_id, ti_key.task_id)}"
