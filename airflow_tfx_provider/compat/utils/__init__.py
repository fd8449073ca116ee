"""``tfx.utils`` (and ``tfx.v1.utils``): ``parse_pbtxt_file``; ``io_utils`` and ``proto_utils``."""

from airflow_tfx_provider.compat.utils import io_utils, proto_utils
from airflow_tfx_provider.compat.utils.io_utils import parse_pbtxt_file

__all__ = ["io_utils", "parse_pbtxt_file", "proto_utils"]
