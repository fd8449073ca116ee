"""``tfx.dsl.io.fileio``: file operations on local paths and the schemes ``tf.io.gfile`` knows.

TensorFlow is imported on first use, so a DAG file that imports this stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PathType = str


def _gfile() -> Any:
    import tensorflow as tf

    return tf.io.gfile


def __getattr__(name: str) -> Any:
    if name == "NotFoundError":
        import tensorflow as tf

        return tf.errors.NotFoundError
    raise AttributeError(name)


def open(path: PathType, mode: str = "r") -> Any:
    return _gfile().GFile(path, mode)


def copy(src: PathType, dst: PathType, overwrite: bool = False) -> None:
    _gfile().copy(src, dst, overwrite=overwrite)


def exists(path: PathType) -> bool:
    return bool(_gfile().exists(path))


def glob(pattern: PathType) -> list[PathType]:
    return list(_gfile().glob(pattern))


def isdir(path: PathType) -> bool:
    return bool(_gfile().isdir(path))


def listdir(path: PathType) -> list[PathType]:
    return list(_gfile().listdir(path))


def makedirs(path: PathType) -> None:
    _gfile().makedirs(path)


def mkdir(path: PathType) -> None:
    _gfile().mkdir(path)


def remove(path: PathType) -> None:
    _gfile().remove(path)


def rename(src: PathType, dst: PathType, overwrite: bool = False) -> None:
    _gfile().rename(src, dst, overwrite=overwrite)


def rmtree(path: PathType) -> None:
    _gfile().rmtree(path)


def stat(path: PathType) -> Any:
    return _gfile().stat(path)


def walk(top: PathType, topdown: bool = True) -> Iterable[tuple[PathType, list[PathType], list[PathType]]]:
    return _gfile().walk(top, topdown=topdown)


__all__ = [
    "PathType", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "open", "remove", "rename",
    "rmtree", "stat", "walk",
]  # fmt: skip
