"""The monitoring pages in Airflow's UI: a real api-server, real logins, Debian's chromium.

Two months of ``dags/taxi_retrain.py`` run first (``airflow dags test``: the ETL lands the
month, the pipeline retrains), so that runs, statistics with drift against the previous span, a
baseline comparison, two models and a trend exist. The numbers on the pages are checked against
TFDV, TFMA and MLMD read directly; screenshots of each page go to ``docs/screenshots/``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.harness.ui_server import UiHome, UiServer

pytestmark = pytest.mark.integration
DAG = "taxi_retrain"
MONTHS = ("2015-08", "2015-09")
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UiServer, dict[str, Any]]]:
    work = tmp_path_factory.mktemp("ui")
    dags = work / "dags"
    dags.mkdir()
    (dags / "taxi_retrain.py").symlink_to(REPO / "dags" / "taxi_retrain.py")
    roots = work / "roots"
    home = UiHome(
        work / "home",
        dags,
        {
            "AIRFLOW_TFX_PIPELINE_ROOT_BASE": str(roots),
            "TAXI_LANDING_DIR": str(work / "landing"),
            "TAXI_TRAIN_STEPS": "100",
        },
    )
    home.airflow("db", "migrate")
    for month in MONTHS:
        year, number = (int(x) for x in month.split("-"))
        following = f"{year + number // 12}-{number % 12 + 1:02d}-01"
        home.airflow("dags", "test", "taxi_trips_etl", following)
        home.airflow("dags", "test", DAG, f"{month}-01")
    with sqlite3.connect(home.home / "airflow.db") as db:
        run_ids = [
            r[0] for r in db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id", (DAG,))
        ]
    facts = {"runs": run_ids, "root": roots / DAG}
    with UiServer(home) as server:
        yield server, facts


def _mlmd(facts: dict[str, Any]) -> Any:
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(facts["root"]))).raw


def _newest(mlmd: Any, type_name: str, folder: str) -> Any:
    return max(
        (a for a in mlmd.get_artifacts_by_type(type_name) if f"/{folder}/" in a.uri), key=lambda a: a.id
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_auth_no_token_401_no_access_403_unknown_404(served):
    server, facts = served
    run = facts["runs"][-1]
    path = f"/tfx/dags/{DAG}/runs/{run}"
    assert server.get(path)[0] == 401
    assert server.get(path, "not-a-token")[0] == 403
    assert server.get(path, server.token("nobody"))[0] == 403
    assert server.get(path, server.token("viewer"))[0] == 200
    admin = server.token("admin")
    assert server.get(f"/tfx/dags/{DAG}/artifacts/999999", admin)[0] == 404
    assert server.get(f"/tfx/dags/{DAG}/runs/no_such_run", admin)[0] == 404
    assert server.get("/tfx/dags/no_such_dag/models", admin)[0] == 404  # no TFX records


def test_run_page_lists_every_component_with_its_outcome_and_artifacts(served):
    server, facts = served
    status, html = server.get(f"/tfx/dags/{DAG}/runs/{facts['runs'][-1]}", server.token("viewer"))
    assert status == 200, html[-2000:]
    text = _text(html)
    for component in ("example_gen", "statistics_gen", "schema_gen", "example_validator", "transform",
                      "trainer", "latest_blessed_model", "evaluator", "pusher"):  # fmt: skip
        assert f'id="task-{component}"' in html
    assert "Examples #" in text and "ExampleStatistics #" in text and "Model #" in text
    # the validator's verdict on September: payment_type drifted from August (README's demo)
    assert "High Linfty distance" in text


def test_statistics_page_shows_what_tfdv_computed(served):
    import tensorflow_data_validation as tfdv

    server, facts = served
    stats = _newest(_mlmd(facts), "ExampleStatistics", "statistics_gen")
    status, html = server.get(f"/tfx/dags/{DAG}/artifacts/{stats.id}", server.token("viewer"))
    assert status == 200, html[-2000:]
    text = _text(html)
    train = tfdv.load_stats_binary(str(Path(stats.uri) / "Split-train" / "FeatureStats.pb"))
    dataset = train.datasets[0]
    assert f"train: {dataset.num_examples:,} examples" in text
    fare = next(f for f in dataset.features if f.path.step[0] == "fare")
    assert f"mean {fare.num_stats.mean:.4g}" in text
    assert "<svg" in html and "tfx-histogram" in html
    assert "Drift and skew (ExampleValidator)" in text  # measured against August


def test_evaluation_page_shows_tfma_metrics_and_the_verdict(served):
    import tensorflow_model_analysis as tfma

    server, facts = served
    mlmd = _mlmd(facts)
    evaluation = _newest(mlmd, "ModelEvaluation", "evaluator")
    status, html = server.get(f"/tfx/dags/{DAG}/artifacts/{evaluation.id}", server.token("viewer"))
    assert status == 200, html[-2000:]
    text = _text(html)
    overall = next(m for m in tfma.load_metrics(evaluation.uri) if not m.slice_key.single_slice_keys)
    accuracy = next(
        kv.value.double_value.value
        for kv in overall.metric_keys_and_values
        if kv.key.name == "binary_accuracy" and not kv.key.is_diff and kv.key.model_name != "baseline"
    )
    assert f"{accuracy:.4g}" in text
    assert "payment_type=Cash" in text and "Thresholds" in text
    blessing = _newest(mlmd, "ModelBlessing", "evaluator")
    verdict = "blessed" if blessing.custom_properties["blessed"].int_value == 1 else "not blessed"
    assert f"Verdict: {verdict}" in text
    assert "baseline" in text  # September's model was compared with August's


def test_model_history_and_lineage(served):
    server, facts = served
    admin = server.token("admin")
    status, html = server.get(f"/tfx/dags/{DAG}/models", admin)
    assert status == 200, html[-2000:]
    text = _text(html)
    mlmd = _mlmd(facts)
    models = sorted(a.id for a in mlmd.get_artifacts_by_type("Model"))
    assert len(models) == 2 and all(f"#{m}" in text for m in models)
    assert "SERVING" in text and "tfx-line-chart" in html and "<polyline" in html
    pushed = [a for a in mlmd.get_artifacts_by_type("PushedModel")]
    serving_model = max(pushed, key=lambda a: a.id).custom_properties["pushed_model_id"].int_value
    status, html = server.get(f"/tfx/dags/{DAG}/artifacts/{serving_model}/lineage", admin)
    assert status == 200, html[-2000:]
    raw = [a for a in mlmd.get_artifacts_by_type("Examples") if "/example_gen/" in a.uri]
    assert any(f"Examples #{a.id}" in html for a in raw)  # back to what ExampleGen read
    assert "PushedModel #" in html  # and forward to the push


def test_pages_in_chromium_with_the_task_link_and_screenshots(served):
    from playwright.sync_api import sync_playwright

    server, facts = served
    admin = server.token("admin")
    run = facts["runs"][-1]

    status, body = server.get(
        f"/api/v2/dags/{DAG}/dagRuns/{urllib.parse.quote(run)}/taskInstances/statistics_gen/links", admin
    )
    assert status == 200, body
    link = json.loads(body)["extra_links"]["TFX artifacts"]
    assert link.endswith(f"/tfx/dags/{DAG}/runs/{urllib.parse.quote(run, safe='')}/tasks/statistics_gen")
    mlmd = _mlmd(facts)
    pages = {
        "run": f"/tfx/dags/{DAG}/runs/{urllib.parse.quote(run, safe='')}",
        "statistics": f"/tfx/dags/{DAG}/artifacts/{_newest(mlmd, 'ExampleStatistics', 'statistics_gen').id}",
        "schema": f"/tfx/dags/{DAG}/artifacts/{_newest(mlmd, 'Schema', 'schema_gen').id}",
        "anomalies": f"/tfx/dags/{DAG}/artifacts/{_newest(mlmd, 'ExampleAnomalies', 'example_validator').id}",
        "evaluation": f"/tfx/dags/{DAG}/artifacts/{_newest(mlmd, 'ModelEvaluation', 'evaluator').id}",
        "model": f"/tfx/dags/{DAG}/artifacts/{_newest(mlmd, 'Model', 'trainer').id}",
        "models": f"/tfx/dags/{DAG}/models",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([{"name": "_token", "value": admin, "url": server.home.base_url}])
        page = context.new_page()
        # the task's extra link, as the UI opens it: inside Airflow's UI, the page in its frame
        page.goto(server.home.base_url + link)
        frame = page.wait_for_selector("iframe", timeout=60_000).content_frame()
        assert frame is not None
        frame.wait_for_selector("#components", timeout=60_000)
        assert "statistics_gen" in frame.inner_text("#components")
        assert "ExampleStatistics #" in frame.inner_text("#components")
        page.screenshot(path=str(SCREENSHOTS / "task-link-in-airflow-ui.png"))
        for name, path in pages.items():
            response = page.goto(server.home.base_url + path)
            assert response is not None and response.status == 200, (name, path)
            assert page.locator("h1").count() == 1
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        browser.close()
    assert all((SCREENSHOTS / f"{name}.png").stat().st_size > 10_000 for name in pages)
