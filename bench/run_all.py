"""Run every benchmark in turn: import time, cold vs cached demo, the taxi pipeline under a real
scheduler, StatisticsGen and Transform (1M rows), and a parallel 30-day backfill of the
data-validation DAG under a real scheduler.

    python -m bench.run_all                  # what `make bench` runs
    python -m bench.run_all --rows 20000     # quicker StatisticsGen run on less data

Each benchmark updates its own section of ``bench/RESULTS.md``. They run one after the other
(never in parallel: they would disturb each other's timings on a 2-core machine).
"""

from __future__ import annotations

import argparse
import time

from bench import (
    backfill_validation,
    demo_cached,
    import_time,
    scheduler_pipeline,
    statistics_gen,
    tfx_example_parse,
    transform,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows of the StatisticsGen benchmark data"
    )
    parser.add_argument("--import-reps", type=int, default=15)
    parser.add_argument("--demo-reps", type=int, default=3)
    parser.add_argument("--stats-reps", type=int, default=3)
    parser.add_argument("--scheduler-reps", type=int, default=2)
    parser.add_argument("--backfill-days", type=int, default=30, help="days of the backfill benchmark")
    parser.add_argument(
        "--direct-modes", default="direct,direct-1p", help="direct variants of the StatisticsGen benchmark"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma list among import_time,tfx_example_parse,demo_cached,scheduler_pipeline,statistics_gen,"
        "transform,backfill_validation",
    )
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)

    extra = ["--no-results"] if args.no_results else []
    steps = [
        ("import_time", lambda: import_time.main(["--reps", str(args.import_reps), *extra])),
        ("tfx_example_parse", lambda: tfx_example_parse.main(["--reps", str(args.import_reps), *extra])),
        ("demo_cached", lambda: demo_cached.main(["--reps", str(args.demo_reps), *extra])),
        (
            "scheduler_pipeline",
            lambda: scheduler_pipeline.main(["--reps", str(args.scheduler_reps), *extra]),
        ),
        (
            "statistics_gen",
            lambda: statistics_gen.main(
                [
                    "--rows",
                    str(args.rows),
                    "--reps",
                    str(args.stats_reps),
                    "--direct-modes",
                    args.direct_modes,
                    *extra,
                ]
            ),
        ),
        ("transform", lambda: transform.main(["--rows", str(args.rows), "--reps", "2", *extra])),
        (
            "backfill_validation",
            lambda: backfill_validation.main(["--days", str(args.backfill_days), *extra]),
        ),
    ]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    for name, run in steps:
        if only and name not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        run()
        print(f"=== {name} done in {time.perf_counter() - started:.0f} s ===", flush=True)


if __name__ == "__main__":
    main()
