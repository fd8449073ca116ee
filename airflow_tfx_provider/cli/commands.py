"""The ``airflow tfx`` command functions (argparse namespaces in, text out)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path


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
