"""TFMA's message classes without importing TFMA.

``import tensorflow_model_analysis.proto.metrics_for_slice_pb2`` runs the package's ``__init__``,
which imports TensorFlow and Beam (about 6 s and a large share of memory): too much for a page
served by the api-server. The three ``*_pb2`` modules themselves need only protobuf. So, unless
TFMA is already imported, they are imported under their real names while two empty stand-in
modules take the place of ``tensorflow_model_analysis`` and ``tensorflow_model_analysis.proto``;
the stand-ins are removed right after. A later real ``import tensorflow_model_analysis`` in the
same process then runs the package normally and finds the very same ``*_pb2`` modules in
``sys.modules`` (one descriptor pool entry, one class per message: tested).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types
from dataclasses import dataclass
from typing import Any

PACKAGE = "tensorflow_model_analysis"
PROTO_PACKAGE = f"{PACKAGE}.proto"
MODULES = ("config_pb2", "metrics_for_slice_pb2", "validation_result_pb2")  # in dependency order

_lock = threading.Lock()


@dataclass(frozen=True)
class TfmaProtos:
    config: Any
    metrics_for_slice: Any
    validation_result: Any


def _import_all() -> list[Any]:
    return [importlib.import_module(f"{PROTO_PACKAGE}.{name}") for name in MODULES]


def tfma_protos() -> TfmaProtos:
    """TFMA's ``config_pb2``, ``metrics_for_slice_pb2`` and ``validation_result_pb2`` modules."""
    with _lock:
        if PACKAGE in sys.modules:  # the real package (or these modules) are there already
            return TfmaProtos(*_import_all())
        spec = importlib.util.find_spec(PACKAGE)  # finds, does not run, the package
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(f"{PACKAGE} is not installed")
        root = next(iter(spec.submodule_search_locations))
        stand_ins = {}
        for name, path in ((PACKAGE, root), (PROTO_PACKAGE, os.path.join(root, "proto"))):
            module = types.ModuleType(name, "stand-in while TFMA's *_pb2 modules are imported")
            module.__path__ = [path]
            stand_ins[name] = module
        sys.modules.update(stand_ins)
        try:
            return TfmaProtos(*_import_all())
        finally:
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
