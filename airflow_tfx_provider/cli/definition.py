"""The ``airflow tfx`` command group, as Airflow 3.3 reads it from the provider info ``cli`` key.

Importing this module is cheap: the commands load their code when they run.
"""

from __future__ import annotations

from airflow.cli.cli_config import ActionCommand, Arg, GroupCommand, lazy_load_command

ARG_PATHS = Arg(("paths",), nargs="+", metavar="PATH", help="pipeline and module files, or folders of them")
ARG_DRY_RUN = Arg(("--dry-run",), action="store_true", help="show the diff, change nothing")
ARG_PIPELINE = Arg(("--pipeline",), required=True, help="the pipeline (DAG id)")
ARG_PIPELINE_ROOT = Arg(("--pipeline-root",), required=True, help="the pipeline root (its SQLite MLMD store)")
ARG_RUN_ID = Arg(("--run-id",), help="a run id (default: the latest run)")
ARG_DAG_ID = Arg(("dag_id",), help="the pipeline (DAG id)")
ARG_CONN_ID = Arg(("--conn-id",), help="an 'mlmd' Airflow connection naming the MLMD store")
ARG_METADATA_PATH = Arg(("--metadata-path",), help="a SQLite MLMD file (a TFX pipeline's metadata_path)")
ARG_ROOT = Arg(("--pipeline-root",), help="the pipeline root holding the embedded SQLite MLMD store")
ARG_OUTPUT = Arg(("--output", "-o"), choices=("table", "json"), default="table", help="output format")
ARG_RUN = Arg(("--run",), help="only this run id")
ARG_TYPE = Arg(("--type",), help="only this artifact type (e.g. Model)")
ARG_ARTIFACT_ID = Arg(("artifact_id",), type=int, help="an MLMD artifact id")
ARG_DOWN = Arg(
    ("--down",), action="store_true", help="what was made from it (default: what it was made from)"
)
ARG_UP = Arg(("--up",), action="store_true", help="what it was made from (the default)")
STORE_ARGS = (ARG_CONN_ID, ARG_METADATA_PATH, ARG_ROOT, ARG_OUTPUT)
ARG_TO = Arg(("--to",), required=True, help="a pushed version, or the MLMD id of a Model")
ARG_FORCE = Arg(("--force",), action="store_true", help="also a model that was never blessed")
ARG_KEEP_SPANS = Arg(
    ("--keep-spans",), type=int, required=True, help="keep what was made from the newest N spans"
)
ARG_KEEP_MODELS = Arg(
    ("--keep-models",), type=int, required=True, help="keep the last N pushed models, with lineage"
)
ARG_OLDER_THAN = Arg(("--older-than",), help="only delete what is older, e.g. 30d, 12h, 2w")
ARG_STORE_CONN_ID = Arg(
    ("--conn-id",), default="mlmd_default", help="the store's 'mlmd' connection (default: %(default)s)"
)
ARG_GC_DRY_RUN = Arg(("--dry-run",), action="store_true", help="show what would be deleted, change nothing")

TFX_COMMANDS = (
    ActionCommand(
        name="migrate",
        help="Rewrite the tfx imports of TFX pipeline and module files to this provider's",
        description=(
            "Only import lines change; what cannot be migrated is refused with the reason, and a file "
            "with a refusal is left unchanged (exit code 1)."
        ),
        func=lazy_load_command("airflow_tfx_provider.cli.commands.migrate"),
        args=(ARG_PATHS, ARG_DRY_RUN),
    ),
    ActionCommand(
        name="report",
        help="Show what one run of a pipeline recorded in MLMD",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.report"),
        args=(ARG_PIPELINE, ARG_PIPELINE_ROOT, ARG_RUN_ID),
    ),
    ActionCommand(
        name="runs",
        help="Runs of a pipeline: each component's outcome (executed/cached/failed/skipped, why), the model",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.runs"),
        args=(ARG_DAG_ID, *STORE_ARGS),
    ),
    ActionCommand(
        name="artifacts",
        help="Artifacts of a pipeline with span, state, size and URI",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.artifacts"),
        args=(ARG_DAG_ID, ARG_RUN, ARG_TYPE, *STORE_ARGS),
    ),
    ActionCommand(
        name="models",
        help="Model history: run, span, blessed or not and why, pushed version, which serves now, metrics",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.models"),
        args=(ARG_DAG_ID, *STORE_ARGS),
    ),
    ActionCommand(
        name="rollback",
        help="Serve an earlier blessed model again, as a new version (recorded in MLMD, with an asset event)",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.rollback"),
        args=(ARG_DAG_ID, ARG_TO, ARG_FORCE, *STORE_ARGS),
    ),
    ActionCommand(
        name="gc",
        help="Delete what a pipeline no longer needs (lineage-safe retention; MLMD state DELETED)",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.gc"),
        args=(ARG_DAG_ID, ARG_KEEP_SPANS, ARG_KEEP_MODELS, ARG_OLDER_THAN, ARG_GC_DRY_RUN, *STORE_ARGS),
    ),
    ActionCommand(
        name="init-store",
        help="Open an MLMD store once, creating its tables: run it before the first task (airflow-init does)",
        description=(
            "Connects to the store of an 'mlmd' connection, creates MLMD's schema (and the database, when "
            "the user may) if missing, and says which store is ready. Exit code 1, naming the store, if it "
            "cannot be opened. Without it the first tasks of a new deployment create the schema together, "
            "and all but one retry."
        ),
        func=lazy_load_command("airflow_tfx_provider.cli.commands.init_store"),
        args=(ARG_STORE_CONN_ID,),
    ),
    ActionCommand(
        name="lineage",
        help="The lineage tree of an artifact across runs (--up: its inputs, --down: what used it)",
        func=lazy_load_command("airflow_tfx_provider.cli.commands.lineage"),
        args=(ARG_ARTIFACT_ID, ARG_UP, ARG_DOWN, *STORE_ARGS),
    ),
)


def get_cli_commands() -> list[GroupCommand]:
    return [
        GroupCommand(
            name="tfx", help="TFX pipelines on Airflow (airflow-tfx-provider)", subcommands=TFX_COMMANDS
        )
    ]
