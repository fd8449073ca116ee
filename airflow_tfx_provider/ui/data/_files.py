"""Artifact files for the UI, read without TensorFlow.

Local paths go through the standard library. Other URIs (``gs://``, ``s3://``, ...) go through
``tf.io.gfile``, imported only then (as ``components/_artifacts/model.py`` does). TFRecord files
(TFMA output, TensorBoard events) are parsed by :func:`iter_tfrecords`.
"""

from __future__ import annotations

import os
import posixpath
import struct
from collections.abc import Iterator
from typing import Any

SPLIT_PREFIX = "Split-"


class ArtifactDataMissing(FileNotFoundError):
    """A file or folder the page needs is not there (the page answers 404)."""


class ArtifactDataInvalid(ValueError):
    """A file is there but cannot be read as what it should be."""


def is_remote(path: str) -> bool:
    return "://" in path


def _gfile() -> Any:
    import tensorflow as tf  # only for object storage: a local artifact never gets here

    return tf.io.gfile


def join(base: str, *parts: str) -> str:
    return posixpath.join(base, *parts) if is_remote(base) else os.path.join(base, *parts)


def exists(path: str) -> bool:
    return bool(_gfile().exists(path)) if is_remote(path) else os.path.exists(path)


def isdir(path: str) -> bool:
    return bool(_gfile().isdir(path)) if is_remote(path) else os.path.isdir(path)


def listdir(path: str) -> list[str]:
    """The names in a folder, sorted; ``ArtifactDataMissing`` if it is not a folder."""
    if not isdir(path):
        raise ArtifactDataMissing(f"folder {path} does not exist")
    names = _gfile().listdir(path) if is_remote(path) else os.listdir(path)
    return sorted(str(n).rstrip("/") for n in names)


def walk_files(root: str) -> list[str]:
    """Every file under ``root`` (recursively), as paths relative to it, sorted."""
    found: list[str] = []
    if is_remote(root):
        for folder, _dirs, files in _gfile().walk(root):
            rel = posixpath.relpath(folder, root)
            found.extend(posixpath.normpath(posixpath.join(rel, f)) for f in files)
    else:
        for folder, _dirs, files in os.walk(root):
            rel = os.path.relpath(folder, root)
            found.extend(os.path.normpath(os.path.join(rel, f)) for f in files)
    return sorted(found)


def read_bytes(path: str, what: str) -> bytes:
    """The content of ``path``; ``ArtifactDataMissing`` naming ``what`` if there is no such file."""
    if not exists(path) or isdir(path):
        raise ArtifactDataMissing(f"{what}: file {path} does not exist")
    if is_remote(path):
        with _gfile().GFile(path, "rb") as handle:
            data: bytes = handle.read()
        return data
    with open(path, "rb") as handle:
        return handle.read()


def split_folders(uri: str, split_names: list[str] | None) -> dict[str, str]:
    """split -> ``<uri>/Split-<split>``: the given splits, or every ``Split-*`` folder (sorted)."""
    if split_names is None:
        split_names = [n[len(SPLIT_PREFIX) :] for n in listdir(uri) if n.startswith(SPLIT_PREFIX)]
    return {split: join(uri, SPLIT_PREFIX + split) for split in split_names}


# --- TFRecord ---------------------------------------------------------------------------------
def _crc32c() -> Any:
    try:
        import google_crc32c
    except ImportError:  # no checksum library: records are read unchecked
        return None
    return google_crc32c


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def iter_tfrecords(data: bytes, source: str) -> Iterator[bytes]:
    """The records of an uncompressed TFRecord file.

    Each record is ``uint64 length, uint32 masked crc32c(length), data, uint32 masked crc32c(data)``
    (little endian). A record cut short at the end of the file (a writer still at work, e.g.
    TensorBoard events during training) ends the iteration; a wrong checksum raises
    ``ArtifactDataInvalid`` (checked when ``google_crc32c`` is installed, as with TFX's stack).
    """
    crc = _crc32c()
    offset, size = 0, len(data)
    while offset + 12 <= size:
        (length,) = struct.unpack_from("<Q", data, offset)
        (length_crc,) = struct.unpack_from("<I", data, offset + 8)
        if crc is not None and _masked(crc.value(data[offset : offset + 8])) != length_crc:
            raise ArtifactDataInvalid(f"{source}: not a TFRecord file (bad length checksum at byte {offset})")
        start = offset + 12
        end = start + length
        if end + 4 > size:
            return
        record = data[start:end]
        (data_crc,) = struct.unpack_from("<I", data, end)
        if crc is not None and _masked(crc.value(record)) != data_crc:
            raise ArtifactDataInvalid(f"{source}: corrupt TFRecord (bad data checksum at byte {offset})")
        yield record
        offset = end + 4
