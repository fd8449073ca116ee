"""Beam pipeline construction shared by the Beam-based executors."""

from __future__ import annotations

from collections.abc import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from airflow_tfx_provider.components.spec import ExecutionInfo

#: Used when ``beam_pipeline_args`` names no runner. Beam's own default (the switching
#: DirectRunner) first tries the Prism runner, which downloads a binary at run time; the
#: FnApiRunner is the local engine the DirectRunner falls back to, so go there directly.
#: It honours ``--direct_running_mode`` (in_memory, multi_threading, multi_processing)
#: and ``--direct_num_workers``.
DEFAULT_RUNNER = "FnApiRunner"


def pipeline_args(args: Sequence[str]) -> list[str]:
    """``args`` plus ``--runner=FnApiRunner`` when no runner is named."""
    names_runner = any(a == "--runner" or a.startswith("--runner=") for a in args)
    return list(args) if names_runner else [*args, f"--runner={DEFAULT_RUNNER}"]


def make_pipeline(info: ExecutionInfo) -> beam.Pipeline:
    """A Beam pipeline with the run's ``beam_pipeline_args`` (local FnApiRunner by default)."""
    return beam.Pipeline(options=PipelineOptions(pipeline_args(info.beam_pipeline_args)))
