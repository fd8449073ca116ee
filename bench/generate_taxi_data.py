"""Generate a taxi-like CSV of N rows, shaped like ``dags/data/taxi/data.csv``.

Simple per-column distributions are fitted from the checked-in sample:

- every column keeps its share of empty cells (missing values);
- columns with few distinct values (ids, categories, small integers, the community-area
  centroids) are drawn from their empirical frequencies, keeping the exact strings;
  latitude and longitude of a pickup (and of a dropoff) are drawn as a pair;
- numeric columns with many distinct values (fare, tips, trip_miles, trip_start_timestamp)
  are drawn by inverse-CDF sampling of their empirical quantiles, rounded to the column's
  observed granularity (e.g. cents in steps of 5, timestamps in steps of 900 s).

The rows are written in chunks with a seeded numpy RNG, so the same ``--rows``/``--seed``
give the same file and memory stays flat (one chunk of column arrays at a time).

    python -m bench.generate_taxi_data --rows 1000000 --out bench/out/taxi_1m/data.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import numpy as np

from bench.common import REPO

SOURCE = REPO / "dags" / "data" / "taxi" / "data.csv"
CATEGORICAL_MAX_DISTINCT = 300
NUM_QUANTILES = 2001
JOINT_COLUMNS = (("pickup_latitude", "pickup_longitude"), ("dropoff_latitude", "dropoff_longitude"))
GENERATOR_VERSION = "1"


@dataclass
class Categorical:
    """Columns drawn together from the empirical frequencies of their (exact) string tuples."""

    columns: tuple[str, ...]
    values: list[tuple[str, ...]]
    probs: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        idx = rng.choice(len(self.values), size=n, p=self.probs)
        table = np.array(self.values, dtype=object)  # (k, len(columns))
        return {col: table[idx, i] for i, col in enumerate(self.columns)}


@dataclass
class Numeric:
    """A numeric column: missing rate, empirical quantiles, granularity and decimals."""

    column: str
    missing: float
    quantiles: np.ndarray
    step: float
    decimals: int

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        u = rng.random(n)
        grid = np.linspace(0.0, 1.0, len(self.quantiles))
        values = np.interp(u, grid, self.quantiles)
        values = np.round(values / self.step) * self.step
        if self.decimals == 0:
            text = values.astype(np.int64).astype(str).astype(object)
        else:
            text = np.char.mod(f"%.{self.decimals}f", values).astype(object)
        text[rng.random(n) < self.missing] = ""
        return {self.column: text}


def _decimals(value: str) -> int:
    mantissa = value.lower().split("e")[0]
    return len(mantissa.split(".", 1)[1]) if "." in mantissa else 0


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def fit(source: Path = SOURCE) -> tuple[list[str], list[Categorical | Numeric]]:
    """Fit the per-column models from ``source``; return the header and the models."""
    with source.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    columns = {name: [row[i] if i < len(row) else "" for row in rows] for i, name in enumerate(header)}
    models: list[Categorical | Numeric] = []
    joint = {c for group in JOINT_COLUMNS if all(g in columns for g in group) for c in group}
    for group in JOINT_COLUMNS:
        if all(g in columns for g in group):
            counts = Counter(zip(*(columns[g] for g in group), strict=True))
            models.append(_categorical(group, counts))
    for name in header:
        if name in joint:
            continue
        values = columns[name]
        present = [v for v in values if v != ""]
        distinct = set(present)
        if len(distinct) > CATEGORICAL_MAX_DISTINCT and all(_is_number(v) for v in distinct):
            numbers = np.array([float(v) for v in present])
            decimals = min(max(_decimals(v) for v in distinct), 6)
            scaled = [round(float(v) * 10**decimals) for v in distinct]
            step_units = reduce(math.gcd, scaled) or 1
            models.append(
                Numeric(
                    column=name,
                    missing=1 - len(present) / len(values),
                    quantiles=np.quantile(numbers, np.linspace(0, 1, NUM_QUANTILES)),
                    step=step_units / 10**decimals,
                    decimals=decimals,
                )
            )
        else:
            models.append(_categorical((name,), Counter((v,) for v in values)))
    return header, models


def _categorical(columns: tuple[str, ...], counts: Counter[tuple[str, ...]]) -> Categorical:
    values = sorted(counts)
    freq = np.array([counts[v] for v in values], dtype=np.float64)
    return Categorical(columns=columns, values=values, probs=freq / freq.sum())


def describe(models: list[Categorical | Numeric]) -> list[str]:
    lines = []
    for m in models:
        if isinstance(m, Numeric):
            q = m.quantiles
            lines.append(
                f"{m.column}: numeric, missing {m.missing:.1%}, step {m.step:g}, "
                f"min {q[0]:g} / median {q[len(q) // 2]:g} / max {q[-1]:g}"
            )
        else:
            missing = sum(p for v, p in zip(m.values, m.probs, strict=True) if all(x == "" for x in v))
            lines.append(f"{'+'.join(m.columns)}: categorical, {len(m.values)} values, missing {missing:.1%}")
    return lines


def generate(
    rows: int, out: Path, *, seed: int = 42, chunk_rows: int = 100_000, source: Path = SOURCE
) -> Path:
    """Write ``rows`` rows to ``out`` (atomically, via a temporary file next to it)."""
    header, models = fit(source)
    rng = np.random.default_rng(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")  # hidden: ExampleGen's default pattern '*' skips it
    written = 0
    with tmp.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        while written < rows:
            n = min(chunk_rows, rows - written)
            cols: dict[str, np.ndarray] = {}
            for model in models:
                cols.update(model.draw(rng, n))
            writer.writerows(zip(*(cols[name] for name in header), strict=True))
            written += n
    os.replace(tmp, out)
    meta_path(out).write_text(json.dumps(_meta(rows, seed, source), indent=1))
    return out


def meta_path(out: Path) -> Path:
    """Hidden sidecar with rows/seed/source, so ExampleGen's default pattern '*' reads only the CSV."""
    return out.with_name(f".{out.name}.meta.json")


def _meta(rows: int, seed: int, source: Path) -> dict[str, object]:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return {"rows": rows, "seed": seed, "source_sha256": digest, "generator_version": GENERATOR_VERSION}


def ensure(rows: int, out: Path, *, seed: int = 42, source: Path = SOURCE) -> Path:
    """Reuse ``out`` if it was generated with the same rows, seed and source; else generate it."""
    meta = meta_path(out)
    if out.exists() and meta.exists():
        try:
            if json.loads(meta.read_text()) == _meta(rows, seed, source):
                print(f"reusing {out} ({rows} rows)")
                return out
        except (OSError, ValueError):
            pass
    started = time.perf_counter()
    generate(rows, out, seed=seed, source=source)
    size = out.stat().st_size / 2**20
    print(f"generated {out}: {rows} rows, {size:.1f} MiB in {time.perf_counter() - started:.1f} s")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/taxi_1m/data.csv"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--describe", action="store_true", help="print the fitted column models")
    args = parser.parse_args(argv)
    if args.describe:
        print("\n".join(describe(fit(args.source)[1])))
    started = time.perf_counter()
    generate(args.rows, args.out, seed=args.seed, chunk_rows=args.chunk_rows, source=args.source)
    size = args.out.stat().st_size / 2**20
    print(f"wrote {args.out}: {args.rows} rows, {size:.1f} MiB in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
