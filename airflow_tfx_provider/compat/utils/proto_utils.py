"""``tfx.utils.proto_utils``: messages to and from JSON text.

Works on this package's light messages (``compat.proto``) and on real protocol buffers.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from airflow_tfx_provider.compat._messages import Message

M = TypeVar("M")


def proto_to_json(proto: Any) -> str:
    """JSON text of a message, keys sorted (TFX's form: proto field names)."""
    if isinstance(proto, Message):
        return json.dumps(proto.to_dict(), sort_keys=True)
    from google.protobuf import json_format

    return json_format.MessageToJson(proto, sort_keys=True, preserving_proto_field_name=True)


def json_to_proto(json_str: str, proto: M) -> M:
    """``proto`` (a message instance) filled from JSON text; returns it (a new one for light messages)."""
    if isinstance(proto, Message):
        return type(proto)(**json.loads(json_str))  # type: ignore[return-value]
    from google.protobuf import json_format

    return json_format.Parse(json_str, proto)  # type: ignore[arg-type,type-var]


__all__ = ["json_to_proto", "proto_to_json"]
