"""The ``airflow tfx`` command functions (argparse namespaces in, text out)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def _files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.py") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"airflow tfx migrate: {name} does not exist")
    return found


def migrate(args: argparse.Namespace) -> None:
    """Rewrite the tfx imports of the given files (or show the diff with --dry-run)."""
    from airflow_tfx_provider.cli.migration import migrate_source

    refused = 0
    files = _files(args.paths)
    for path in files:
        original = path.read_text()
        siblings = frozenset(p.stem for p in files if p.parent == path.parent and p != path)
        result = migrate_source(original, siblings)
        for line, statement, reason in result.refusals:
            print(f"{path}:{line}: refused: {statement}: {reason}", file=sys.stderr)
        if result.refusals:
            refused += 1
            print(
                f"{path}: left unchanged ({len(result.refusals)} import(s) cannot be migrated)",
                file=sys.stderr,
            )
            continue
        if not result.changes:
            continue
        if args.dry_run:
            sys.stdout.writelines(
                difflib.unified_diff(
                    original.splitlines(keepends=True), result.text.splitlines(keepends=True),
                    fromfile=str(path), tofile=f"{path} (migrated)",
                )
            )  # fmt: skip
        else:
            path.write_text(result.text)
            print(f"{path}: {len(result.changes)} import(s) rewritten")
    if refused:
        raise SystemExit(1)


def report(args: argparse.Namespace) -> None:
    """What one run of a pipeline recorded in MLMD (the summary ``make demo`` prints)."""
    from airflow_tfx_provider.metadata import report as run_report

    argv = ["--pipeline", args.pipeline, "--pipeline-root", args.pipeline_root]
    if args.run_id:
        argv += ["--run-id", args.run_id]
    run_report.main(argv)


# --- reading a pipeline's history from MLMD ------------------------------------------------------
def _connection_store(conn_id: str) -> Any:
    """The MLMD store of an ``mlmd`` connection, looked up as Airflow's own CLI looks one up: the
    secrets backends, the environment, then the metadata DB. (``MLMDHook`` goes through the Task
    SDK, which outside a task and a server process does not read the metadata DB, so it would
    not see a connection made with ``airflow connections add``, as docker-compose.yaml's is.)"""
    from airflow.models.connection import Connection

    from airflow_tfx_provider.hooks.mlmd import config_from_fields

    conn = Connection.get_connection_from_secrets(conn_id)
    return config_from_fields(
        conn_id=conn_id, host=conn.host, port=conn.port, schema=conn.schema, login=conn.login,
        password=conn.password, extra=conn.extra_dejson,
    )  # fmt: skip


def _default_gateway(args: argparse.Namespace) -> Any:
    """The store a pipeline uses when its DAG names none: ``mlmd_default``, else the embedded one."""
    from airflow.exceptions import AirflowNotFoundException

    from airflow_tfx_provider.hooks.mlmd import MLMDHook
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway
    from airflow_tfx_provider.operators.pipeline_task import default_pipeline_root

    try:
        return MetadataGateway.connect(_connection_store(MLMDHook.default_conn_name))
    except AirflowNotFoundException:
        pass
    dag_id = getattr(args, "dag_id", None)
    if not dag_id:
        raise SystemExit(
            f"no '{MLMDHook.default_conn_name}' connection: name the MLMD store with --conn-id, "
            "--metadata-path or --pipeline-root"
        )
    config = MetadataConfig.sqlite_under(default_pipeline_root(dag_id))
    if config.path and not Path(config.path).is_file():
        raise SystemExit(
            f"no MLMD store at {config.path} (the default pipeline root of {dag_id}); a DAG with its own "
            "pipeline_root or metadata store needs --pipeline-root, --metadata-path or --conn-id"
        )
    return MetadataGateway.connect(config)


def _gateway(args: argparse.Namespace) -> Any:
    """The MLMD store named by ``--conn-id``, ``--metadata-path`` or ``--pipeline-root``."""
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    chosen = [n for n in ("conn_id", "metadata_path", "pipeline_root") if getattr(args, n, None)]
    if len(chosen) > 1:
        raise SystemExit(
            "name the MLMD store with one of --conn-id (an 'mlmd' connection), --metadata-path "
            "(a SQLite file) or --pipeline-root (the embedded store under it), not several"
        )
    if not chosen:
        return _default_gateway(args)
    if args.conn_id:
        config = _connection_store(args.conn_id)
    elif args.metadata_path:
        config = MetadataConfig(path=args.metadata_path)
    else:
        config = MetadataConfig.sqlite_under(args.pipeline_root)
    if config.path and not Path(config.path).is_file():
        raise SystemExit(f"no MLMD store at {config.path}")
    return MetadataGateway.connect(config)


def init_store(args: argparse.Namespace) -> None:
    """Open the store of an ``mlmd`` connection so that MLMD's tables exist before any task runs."""
    from airflow_tfx_provider.exceptions import MetadataStoreError
    from airflow_tfx_provider.metadata.store import MetadataGateway

    config = _connection_store(args.conn_id)
    try:
        MetadataGateway.connect(config)
    except MetadataStoreError as err:
        raise SystemExit(f"connection {args.conn_id!r}: {err}") from err
    print(f"MLMD store ready: {config.describe()} (connection {args.conn_id!r})")


def _emit(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if args.output == "json":
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        print("(nothing recorded)")
        return
    table = [[str("" if row.get(c) is None else row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row_cells in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row_cells, widths, strict=True)).rstrip())


def runs(args: argparse.Namespace) -> None:
    """Each run of a pipeline: every component's outcome and why, the model and its verdict."""
    from airflow_tfx_provider.metadata import history

    gateway = _gateway(args)
    found = history.runs(gateway, args.dag_id)
    if not found and not history.pipeline_exists(gateway, args.dag_id):
        raise SystemExit(f"no pipeline {args.dag_id!r} in {gateway.config.describe()}")
    if args.output == "json":
        print(json.dumps([dataclasses.asdict(r) | {"outcome": r.outcome} for r in found], indent=2))
        return
    for run in found:
        verdict = f", model #{run.model_id} {run.verdict}".rstrip() if run.model_id else ""
        print(f"run {run.run_id} (started {run.started}): {run.outcome}{verdict}")
        _emit(
            args,
            [dataclasses.asdict(c) for c in run.components],
            ["component_id", "component_type", "outcome", "seconds", "detail"],
        )
        print()


def artifacts(args: argparse.Namespace) -> None:
    """Artifacts a pipeline produced: type, span, state, size, URI, producer and run."""
    from airflow_tfx_provider.metadata import history

    gateway = _gateway(args)
    try:
        rows = history.artifacts(gateway, args.dag_id, run_id=args.run, type_name=args.type)
    except LookupError as err:
        raise SystemExit(str(err)) from None
    _emit(
        args,
        [dataclasses.asdict(r) for r in rows],
        ["id", "type", "span", "state", "bytes", "producer", "run_id", "uri"],
    )


def lineage(args: argparse.Namespace) -> None:
    """The lineage of one artifact: what it was made from (--up, default) or what was made from it."""
    from airflow_tfx_provider.metadata import history

    gateway = _gateway(args)
    try:
        tree = history.lineage(gateway, args.artifact_id, "down" if args.down else "up")
    except LookupError as err:
        raise SystemExit(str(err)) from None
    if args.output == "json":
        print(json.dumps(tree.to_json(), indent=2))
    else:
        print("\n".join(tree.lines()))


def models(args: argparse.Namespace) -> None:
    """Model history: each model's run and span, verdict and why, pushed version, what serves now."""
    from airflow_tfx_provider.metadata import history

    gateway = _gateway(args)
    rows = history.models(gateway, args.dag_id)
    if not rows and not history.pipeline_exists(gateway, args.dag_id):
        raise SystemExit(f"no pipeline {args.dag_id!r} in {gateway.config.describe()}")
    table = []
    for row in rows:
        shown = dataclasses.asdict(row)
        if args.output != "json":
            shown["serving"] = "SERVING" if row.serving else ""
            shown["metrics"] = " ".join(f"{k}={v:.4g}" for k, v in sorted(row.metrics.items()))
        table.append(shown)
    _emit(
        args,
        table,
        [
            "model_id",
            "run_id",
            "run_type",
            "span",
            "verdict",
            "pushed_version",
            "serving",
            "metrics",
            "reason",
        ],
    )


def rollback(args: argparse.Namespace) -> None:
    """Serve an earlier model again: push it as a new version, recorded in MLMD, with an asset event."""
    import datetime as dt

    from airflow_tfx_provider.runtime import rollback as rolling

    gateway = _gateway(args)
    try:
        plan = rolling.plan_rollback(
            gateway, args.dag_id, args.to, force=args.force, pipeline_root=args.pipeline_root
        )
    except rolling.RollbackRefused as err:
        raise SystemExit(f"airflow tfx rollback: {err}") from None
    run_id = f"rollback__{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"
    with _output_to_stderr():  # the launcher's and Airflow's logs; stdout keeps only the result
        result = rolling.roll_back(gateway.config, args.dag_id, plan, run_id)
        props = result.outputs["pushed_model"][0].properties
        event = _pushed_model_event(plan.base_directory, props)
    summary = {
        "model_id": plan.model.mlmd_id, "previously_serving": plan.serving_model_id,
        "version": props.get("pushed_version"), "destination": props.get("pushed_destination"),
        "allowed_because": plan.why_allowed, "mlmd_execution": result.execution_id, "asset_event": event,
    }  # fmt: skip
    if args.output == "json":
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"Model #{plan.model.mlmd_id} ({plan.why_allowed}) now serves as version {summary['version']} at "
            f"{summary['destination']} (was Model #{plan.serving_model_id}); "
            f"MLMD execution {result.execution_id}; "
            + (f"asset event {event}" if event else "no asset event (no DAG has produced that asset yet)")
        )


@contextlib.contextmanager
def _output_to_stderr() -> Iterator[None]:
    """Send whatever is written to the process's stdout (logging handlers hold it) to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _pushed_model_event(base_directory: str, props: dict[str, Any]) -> int | None:
    """Record an event of the Pusher's asset for the new version, as a Pusher task does; its id."""
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from airflow_tfx_provider.operators.pusher import pushed_model_asset

    asset = pushed_model_asset(base_directory)
    extra = {
        "model_id": props.get("pushed_model_id"), "version": props.get("pushed_version"),
        "destination": props.get("pushed_destination"), "rollback": True,
    }  # fmt: skip
    with create_session() as session:
        model = session.scalar(
            select(AssetModel).where(AssetModel.name == asset.name, AssetModel.uri == asset.uri)
        )
        if model is None:
            return None
        event = asset_manager.register_asset_change(
            asset=model, extra=extra, session=session, source_is_api=True
        )
        return None if event is None else int(event.id)


def _dag_runs_in_progress(dag_id: str) -> Callable[[str], bool]:
    """Whether a run of ``dag_id`` is queued or running, from Airflow's metadata DB (read once)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with create_session() as session:
        going = set(
            session.scalars(
                select(DagRun.run_id).where(
                    DagRun.dag_id == dag_id, DagRun.state.in_([DagRunState.QUEUED, DagRunState.RUNNING])
                )
            )
        )
    return going.__contains__


def gc(args: argparse.Namespace) -> None:
    """Delete what a pipeline no longer needs (files and MLMD state DELETED), keeping lineage safe."""
    import datetime as dt

    from airflow_tfx_provider.runtime import retention

    try:
        older = retention.parse_duration(args.older_than) if args.older_than else None
        policy = retention.RetentionPolicy(args.keep_spans, args.keep_models, older)
    except ValueError as err:
        raise SystemExit(f"airflow tfx gc: {err}") from None
    gateway = _gateway(args)
    with _output_to_stderr():
        try:
            plan = retention.plan_retention(
                gateway, args.dag_id, policy, run_in_progress=_dag_runs_in_progress(args.dag_id)
            )
        except LookupError as err:
            raise SystemExit(str(err)) from None
        deleted: list[int] = []
        freed = 0
        if not args.dry_run:
            stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            deleted, freed = retention.apply_retention(gateway, plan, f"airflow tfx gc at {stamp}")
    reasons: dict[str, int] = {}
    for why in plan.kept.values():
        reasons[why] = reasons.get(why, 0) + 1
    if args.output == "json":
        summary = {
            "dry_run": args.dry_run, "doomed": [dataclasses.asdict(d) for d in plan.doomed],
            "deleted": deleted, "bytes": plan.bytes if args.dry_run else freed, "kept": reasons,
        }  # fmt: skip
        print(json.dumps(summary, indent=2))
        return
    _emit(args, [dataclasses.asdict(d) for d in plan.doomed], ["artifact_id", "type", "bytes", "uri"])
    for why, count in sorted(reasons.items()):
        print(f"kept {count}: {why}")
    if args.dry_run:
        print(f"dry run: would delete {len(plan.doomed)} artifact(s), {plan.bytes} bytes; nothing changed")
    else:
        print(f"deleted {len(deleted)} artifact(s), freed {freed} bytes")
