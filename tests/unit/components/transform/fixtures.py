"""Data and module files for the Transform tests (plain helpers; the fixtures live in the test module)."""

from __future__ import annotations

import glob
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from airflow_tfx_provider.types import ArtifactRef

COMPANIES = ("alpha", "alpha", "alpha", "beta", "beta", "gamma")


def raw_row(i: int) -> dict[str, Any]:
    """Row ``i``: an id, a float, an int and a string that is missing in every 7th row."""
    return {
        "row": i,
        "fare": 2.5 + (i * 7 % 13) * 1.5,
        "trips": i % 5,
        "company": None if i % 7 == 3 else COMPANIES[i * 5 % len(COMPANIES)],
    }


def raw_splits() -> dict[str, list[dict[str, Any]]]:
    """60 rows: 40 in train, 20 in eval."""
    rows = [raw_row(i) for i in range(60)]
    return {"train": rows[:40], "eval": rows[40:]}


#: ``row``, ``fare`` and ``trips`` are always there (dense ``[batch, 1]``); ``company`` may be
#: missing (VarLen: a SparseTensor).
RAW_SCHEMA = """
feature { name: "row" type: INT presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "fare" type: FLOAT presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "trips" type: INT presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "company" type: BYTES value_count { min: 0 max: 1 } }
"""

#: A TFX-style module file: z-score, vocabulary, pass-through, and a custom_config value.
PREPROCESSING_MODULE = """
import tensorflow as tf
import tensorflow_transform as tft


def preprocessing_fn(inputs, custom_config):
    company = tft.sparse_tensor_to_dense_with_shape(inputs["company"], [None, 1], default_value="")
    return {
        "row": tf.squeeze(inputs["row"], axis=1),
        "fare_z": tf.squeeze(tft.scale_to_z_score(inputs["fare"]), axis=1),
        "company_id": tf.squeeze(
            tft.compute_and_apply_vocabulary(company, vocab_filename="company", num_oov_buckets=1), axis=1
        ),
        "trips_scaled": tf.squeeze(tf.cast(inputs["trips"], tf.float32), axis=1) * custom_config["scale"],
    }
"""


def write_text(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def write_schema(folder: Path, text: str = RAW_SCHEMA, mlmd_id: int = 900) -> ArtifactRef:
    """A Schema artifact holding ``text`` as ``schema.pbtxt``."""
    write_text(folder / "schema.pbtxt", text)
    return ArtifactRef(type="Schema", uri=str(folder), mlmd_id=mlmd_id)


def feature_values(feature: Any) -> list[Any]:
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    values = list(getattr(feature, kind).value)
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def read_examples(files: Sequence[str], *, gzip: bool = True) -> list[dict[str, list[Any]]]:
    """Every tf.Example in ``files`` as {feature: [values]}."""
    import tensorflow as tf

    rows = []
    for record in tf.data.TFRecordDataset(list(files), compression_type="GZIP" if gzip else ""):
        example = tf.train.Example.FromString(record.numpy())
        rows.append({name: feature_values(f) for name, f in example.features.feature.items()})
    return rows


def split_records(examples: ArtifactRef, split: str) -> list[str]:
    return sorted(glob.glob(os.path.join(examples.split_uri(split), "*.gz")))


def by_row(rows: Sequence[Mapping[str, Any]], key: str = "row") -> dict[int, Mapping[str, Any]]:
    """Rows keyed by their id feature (Beam does not keep the order)."""
    keyed = {}
    for row in rows:
        value = row[key]
        keyed[int(value[0] if isinstance(value, list | tuple) else value)] = row
    assert len(keyed) == len(rows), "duplicate row ids"
    return keyed
