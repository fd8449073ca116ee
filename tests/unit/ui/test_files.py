"""The TFRecord reader against files written by TensorFlow, and the folder helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_tfx_provider.ui.data import _files

RECORDS = [b"", b"one", b"\x00\xff" * 300, "ünïcode".encode()]


@pytest.fixture(scope="module")
def tfrecord(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    import tensorflow as tf

    path = tmp_path_factory.mktemp("tfrecord") / "data.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for record in RECORDS:
            writer.write(record)
    return path.read_bytes()


def test_reads_what_tensorflow_writes(tfrecord: bytes) -> None:
    assert list(_files.iter_tfrecords(tfrecord, "data")) == RECORDS


def test_stops_at_a_record_cut_short(tfrecord: bytes) -> None:
    assert list(_files.iter_tfrecords(tfrecord[:-1], "data")) == RECORDS[:-1]
    assert list(_files.iter_tfrecords(tfrecord[:5], "data")) == []


def test_checksums(tfrecord: bytes) -> None:
    pytest.importorskip("google_crc32c")
    broken = bytearray(tfrecord)
    broken[len(tfrecord) - 8] ^= 0x01  # a byte of the last record's data
    with pytest.raises(_files.ArtifactDataInvalid, match="bad data checksum"):
        list(_files.iter_tfrecords(bytes(broken), "data"))
    with pytest.raises(_files.ArtifactDataInvalid, match="not a TFRecord"):
        list(_files.iter_tfrecords(b"x" * 40, "data"))


def test_folders(tmp_path: Path) -> None:
    for name in ("Split-train", "Split-eval", "other"):
        (tmp_path / name).mkdir()
    (tmp_path / "other" / "f").write_text("x")
    assert _files.split_folders(str(tmp_path), None) == {
        "eval": str(tmp_path / "Split-eval"),
        "train": str(tmp_path / "Split-train"),
    }
    assert list(_files.split_folders(str(tmp_path), ["train"])) == ["train"]
    assert _files.walk_files(str(tmp_path)) == ["other/f"]
    with pytest.raises(_files.ArtifactDataMissing, match="does not exist"):
        _files.listdir(str(tmp_path / "nowhere"))
    with pytest.raises(_files.ArtifactDataMissing, match="thing: file"):
        _files.read_bytes(str(tmp_path / "other"), "thing")  # a folder is not a file
