"""The stand-in penguin data (``tests/harness/tfx_examples.py``): TFX's layout, and learnable."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from tests.harness.tfx_examples import PENGUIN_FEATURES, PENGUIN_LABEL, write_penguin_data


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as lines:
        header, *rows = csv.reader(lines)
    return header, rows


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("penguin") / "data"
    write_penguin_data(root)
    return root


def test_the_layout_is_tfx_processed_penguins(data_root):
    header, rows = _read(data_root / "labelled" / "data.csv")
    assert header == [PENGUIN_LABEL, *PENGUIN_FEATURES] == [
        "species", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g",
    ]  # fmt: skip
    assert 300 <= len(rows) <= 360
    assert {row[0] for row in rows} == {"0", "1", "2"}
    counts = Counter(row[0] for row in rows)
    assert all(count >= 0.15 * len(rows) for count in counts.values()), counts
    unlabelled_header, unlabelled = _read(data_root / "unlabelled" / "data.csv")
    assert unlabelled_header == list(PENGUIN_FEATURES)
    assert len(unlabelled) == 50
    for row in [r[1:] for r in rows] + unlabelled:
        assert len(row) == 4 and all(0.0 <= float(v) <= 1.0 and "." in v for v in row), row


def test_the_same_seed_writes_the_same_files(data_root, tmp_path):
    write_penguin_data(tmp_path)
    for folder in ("labelled", "unlabelled"):
        assert (tmp_path / folder / "data.csv").read_bytes() == (data_root / folder / "data.csv").read_bytes()


def test_a_nearest_class_mean_classifier_learns_it(data_root):
    _, rows = _read(data_root / "labelled" / "data.csv")
    examples = [(int(row[0]), [float(v) for v in row[1:]]) for row in rows]
    train, held_out = examples[::2], examples[1::2]
    means = {}
    for label in (0, 1, 2):
        features = [x for y, x in train if y == label]
        means[label] = [sum(column) / len(features) for column in zip(*features, strict=True)]

    def predict(x: list[float]) -> int:
        return min(means, key=lambda y: sum((a - b) ** 2 for a, b in zip(x, means[y], strict=True)))

    accuracy = sum(predict(x) == y for y, x in held_out) / len(held_out)
    assert accuracy > 0.8, accuracy
