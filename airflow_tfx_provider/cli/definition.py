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
)


def get_cli_commands() -> list[GroupCommand]:
    return [
        GroupCommand(
            name="tfx", help="TFX pipelines on Airflow (airflow-tfx-provider)", subcommands=TFX_COMMANDS
        )
    ]
