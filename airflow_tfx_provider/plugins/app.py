"""The pages' FastAPI app, mounted by the api-server under ``/tfx`` (built on its first request).

Every route under ``/dags/{dag_id}`` goes through Airflow's auth manager
(``requires_access_dag``): no token 401, a user without access to the DAG 403. A DAG without
TFX records, a run or artifact its store does not hold, or an artifact outside the pipeline
root, 404. Pages read the MLMD store the DAG's tasks recorded (``plugins/store.py``).
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from airflow_tfx_provider.plugins import pages
from airflow_tfx_provider.plugins.store import PipelineStore, dags_with_stores, find_store

_READ_RUNS = [Depends(requires_access_dag("GET", DagAccessEntity.RUN))]


def _store(dag_id: str, run_id: str | None = None) -> PipelineStore:
    store = find_store(dag_id, run_id)
    if store is None:
        raise HTTPException(404, f"no TFX records for DAG {dag_id!r}: none of its TFX tasks has run yet")
    return store


def build_app() -> FastAPI:
    app = FastAPI(title="TFX pipelines", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(LookupError)
    async def _not_found(request: Request, err: LookupError) -> HTMLResponse:
        return HTMLResponse(pages.error_page(404, str(err)), status_code=404)

    @app.get("/", response_class=HTMLResponse)
    def index(user: GetUserDep) -> str:
        from airflow.api_fastapi.app import get_auth_manager

        allowed = get_auth_manager().get_authorized_dag_ids(user=user, method="GET")
        return pages.index_page([d for d in dags_with_stores() if d in allowed])

    @app.get("/dags/{dag_id}/runs", response_class=HTMLResponse, dependencies=_READ_RUNS)
    def runs(dag_id: str, page: int = 1) -> str:
        return pages.runs_page(_store(dag_id), page_number=page)

    @app.get("/dags/{dag_id}/runs/{run_id}", response_class=HTMLResponse, dependencies=_READ_RUNS)
    def run(dag_id: str, run_id: str) -> str:
        return pages.run_page(_store(dag_id, run_id), run_id)

    @app.get(
        "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}", response_class=HTMLResponse, dependencies=_READ_RUNS
    )
    def task(dag_id: str, run_id: str, task_id: str) -> str:
        return pages.run_page(_store(dag_id, run_id), run_id, task_id=task_id)

    @app.get("/dags/{dag_id}/models", response_class=HTMLResponse, dependencies=_READ_RUNS)
    def models(dag_id: str, metric: str | None = None, slice: str | None = None, page: int = 1) -> str:
        return pages.models_page(_store(dag_id), metric=metric, slice_name=slice, page_number=page)

    @app.get("/dags/{dag_id}/artifacts/{artifact_id}", response_class=HTMLResponse, dependencies=_READ_RUNS)
    def artifact(dag_id: str, artifact_id: int, sort: str | None = None) -> str:
        return pages.artifact_page(_store(dag_id), artifact_id, sort=sort)

    @app.get(
        "/dags/{dag_id}/artifacts/{artifact_id}/lineage", response_class=HTMLResponse, dependencies=_READ_RUNS
    )
    def lineage(dag_id: str, artifact_id: int) -> str:
        return pages.lineage_page(_store(dag_id), artifact_id)

    return app


__all__: list[Any] = ["build_app"]
