"""``tfx.utils.io_utils``: the file helpers custom executors use (TensorFlow imported on use)."""

from __future__ import annotations

import os

from airflow_tfx_provider.compat.dsl.io import fileio
from airflow_tfx_provider.components._user_code.tfx_api import parse_pbtxt_file


def copy_file(src: str, dst: str, overwrite: bool = False) -> None:
    """Copy a file, creating the destination's folder."""
    parent = os.path.dirname(dst)
    if parent and not fileio.exists(parent):
        fileio.makedirs(parent)
    fileio.copy(src, dst, overwrite=overwrite)


def copy_dir(src: str, dst: str) -> None:
    """Copy a folder tree."""
    for root, _, files in fileio.walk(src):
        target = os.path.join(dst, os.path.relpath(root, src))
        fileio.makedirs(target)
        for name in files:
            fileio.copy(os.path.join(root, name), os.path.join(target, name), overwrite=True)


def write_string_file(file_name: str, string_value: str) -> None:
    parent = os.path.dirname(file_name)
    if parent:
        fileio.makedirs(parent)
    with fileio.open(file_name, "w") as handle:
        handle.write(string_value)


def read_string_file(file_name: str) -> str:
    with fileio.open(file_name, "r") as handle:
        return str(handle.read())


def write_pbtxt_file(file_name: str, proto: object) -> None:
    from google.protobuf import text_format

    write_string_file(file_name, text_format.MessageToString(proto))  # type: ignore[arg-type]


__all__ = [
    "copy_dir",
    "copy_file",
    "parse_pbtxt_file",
    "read_string_file",
    "write_pbtxt_file",
    "write_string_file",
]
