"""ExampleStatistics for the UI: one row per feature and split, train and eval side by side.

StatisticsGen writes ``<uri>/Split-<split>/FeatureStats.pb``, a binary
``DatasetFeatureStatisticsList`` (``components/_artifacts/data_validation.py``). That module reads
it through ``tf.io.gfile`` and so imports TensorFlow; :func:`load_split_statistics` reads the same
files with the standard library (``tf.io.gfile`` only for remote URIs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.ui.data import _files

if TYPE_CHECKING:
    from tensorflow_metadata.proto.v0 import statistics_pb2

STATS_FILE_NAME = "FeatureStats.pb"  # = components._artifacts.data_validation.STATS_FILE_NAME
DEFAULT_SLICE = "All Examples"  # the unsliced dataset TFDV names when slicing is on
TOP_VALUES = 10
MAX_BUCKETS = 30
DASH = "\u2013"


@dataclass(frozen=True)
class Bucket:
    """One histogram bar: ``label`` and ``count`` always; ``low``/``high`` for numeric buckets."""

    label: str
    count: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class FeatureRow:
    """What the statistics page shows for one feature of one split.

    ``count`` is the number of examples that have the feature; ``missing`` those that do not.
    Numeric fields are set for numeric features (``kind == "numeric"``), ``unique``,
    ``top_values`` and ``avg_length`` for strings; ``histogram`` is the standard histogram
    of a number or the rank histogram (most frequent values first) of a string.
    """

    name: str
    type: str
    kind: str
    count: int
    missing: int
    missing_pct: float
    avg_num_values: float
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    median: float | None = None
    max: float | None = None
    zeros: int | None = None
    unique: int | None = None
    top_values: tuple[tuple[str, float], ...] = ()
    avg_length: float | None = None
    histogram: tuple[Bucket, ...] = ()


@dataclass(frozen=True)
class SplitStatistics:
    split: str
    num_examples: int
    features: tuple[FeatureRow, ...]

    def feature(self, name: str) -> FeatureRow | None:
        return next((f for f in self.features if f.name == name), None)


@dataclass(frozen=True)
class FeaturePair:
    """One feature in two splits (``None`` where a split lacks it)."""

    name: str
    left: FeatureRow | None
    right: FeatureRow | None


def _proto_module() -> Any:
    from tensorflow_metadata.proto.v0 import statistics_pb2

    return statistics_pb2


def feature_name(feature: Any) -> str:
    return ".".join(feature.path.step) if feature.path.step else str(feature.name)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _numeric(stats: Any, max_buckets: int) -> dict[str, Any]:
    standard = _proto_module().Histogram.STANDARD
    histogram = next((h for h in stats.histograms if h.type == standard), None)
    buckets = tuple(
        Bucket(
            f"{_fmt(b.low_value)}{DASH}{_fmt(b.high_value)}", float(b.sample_count), b.low_value, b.high_value
        )
        for b in (histogram.buckets if histogram is not None else [])[:max_buckets]
    )
    return {
        "mean": stats.mean,
        "std": stats.std_dev,
        "min": stats.min,
        "median": stats.median,
        "max": stats.max,
        "zeros": int(stats.num_zeros),
        "histogram": buckets,
    }


def _decode(value: str | bytes) -> str:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def _string(stats: Any, top_k: int, max_buckets: int) -> dict[str, Any]:
    top = tuple((_decode(v.value), float(v.frequency)) for v in stats.top_values[:top_k])
    ranks = stats.rank_histogram.buckets
    buckets = tuple(Bucket(_decode(b.label), float(b.sample_count)) for b in ranks[:max_buckets])
    if not buckets:
        buckets = tuple(Bucket(label, count) for label, count in top)
    return {
        "unique": int(stats.unique),
        "top_values": top,
        "avg_length": stats.avg_length,
        "histogram": buckets,
    }


def feature_row(
    feature: Any, num_examples: int, *, top_k: int = TOP_VALUES, max_buckets: int = MAX_BUCKETS
) -> FeatureRow:
    """One ``FeatureNameStatistics`` as a row."""
    pb = _proto_module()
    kind = feature.WhichOneof("stats") or ""
    stats = getattr(feature, kind) if kind else None
    common = stats.common_stats if stats is not None else None  # every kind of stats has them
    count = int(common.num_non_missing) if common is not None else 0
    missing = int(common.num_missing) if common is not None else 0
    total = count + missing or num_examples
    extra: dict[str, Any] = {}
    if kind == "num_stats":
        extra = _numeric(stats, max_buckets)
    elif kind == "string_stats":
        extra = _string(stats, top_k, max_buckets)
    elif kind == "bytes_stats":
        extra = {"unique": int(feature.bytes_stats.unique)}
    return FeatureRow(
        name=feature_name(feature),
        type=pb.FeatureNameStatistics.Type.Name(feature.type),
        kind={"num_stats": "numeric", "string_stats": "string", "bytes_stats": "bytes"}.get(kind, "struct"),
        count=count,
        missing=missing,
        missing_pct=100.0 * missing / total if total else 0.0,
        avg_num_values=float(common.avg_num_values) if common is not None else 0.0,
        **extra,
    )


def dataset_of(stats_list: Any, slice_name: str | None = None) -> Any:
    """The dataset to show: the one named ``slice_name``, else TFDV's unsliced one, else the first."""
    datasets = list(stats_list.datasets)
    if not datasets:
        raise _files.ArtifactDataInvalid("the statistics hold no dataset")
    wanted = slice_name if slice_name is not None else DEFAULT_SLICE
    found = next((d for d in datasets if d.name == wanted), None)
    if found is None and slice_name is not None:
        raise _files.ArtifactDataMissing(f"no slice {slice_name!r}; slices: {[d.name for d in datasets]}")
    return found if found is not None else datasets[0]


def split_statistics(
    split: str, stats_list: statistics_pb2.DatasetFeatureStatisticsList, slice_name: str | None = None
) -> SplitStatistics:
    """The rows of one split, in the order TFDV wrote the features."""
    dataset = dataset_of(stats_list, slice_name)
    num_examples = int(dataset.num_examples)
    rows = tuple(feature_row(f, num_examples) for f in dataset.features)
    return SplitStatistics(split, num_examples, rows)


def side_by_side(left: SplitStatistics, right: SplitStatistics) -> list[FeaturePair]:
    """Every feature of either split, in ``left``'s order, then those only ``right`` has."""
    names = [f.name for f in left.features]
    names += [f.name for f in right.features if f.name not in names]
    return [FeaturePair(n, left.feature(n), right.feature(n)) for n in names]


def default_pair(splits: Sequence[str]) -> tuple[str, str] | None:
    """Which two splits to compare: train and eval if both exist, else the first two."""
    for pair in (("train", "eval"), ("train", "test"), ("train", "validation")):
        if pair[0] in splits and pair[1] in splits:
            return pair
    return (splits[0], splits[1]) if len(splits) >= 2 else None


def load_split_statistics(
    uri: str, split_names: Sequence[str] | None = None
) -> dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
    """split -> statistics of an ExampleStatistics artifact; every ``Split-*`` folder when no
    ``split_names`` (the artifact's property) are given."""
    pb = _proto_module()
    folders = _files.split_folders(uri, list(split_names) if split_names is not None else None)
    loaded: dict[str, Any] = {}
    for split, folder in folders.items():
        path = _files.join(folder, STATS_FILE_NAME)
        data = _files.read_bytes(path, f"statistics of split {split!r}")
        try:
            loaded[split] = pb.DatasetFeatureStatisticsList.FromString(data)
        except Exception as err:  # protobuf's DecodeError, without importing it
            raise _files.ArtifactDataInvalid(
                f"{path} is not a binary DatasetFeatureStatisticsList: {err}"
            ) from err
    return loaded


def all_splits(stats_by_split: Mapping[str, Any]) -> dict[str, SplitStatistics]:
    return {split: split_statistics(split, stats) for split, stats in stats_by_split.items()}
