"""Where the MLMD store lives, as plain data (no Airflow, no MLMD import).

The MLMD hook turns an Airflow connection into a ``MetadataConfig``; without a
connection the store is a SQLite file under the pipeline root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

SQLITE_FILE_NAME = "metadata.sqlite"


class Backend(StrEnum):
    SQLITE = "sqlite"
    MYSQL = "mysql"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class MetadataConfig:
    """Connection settings of an MLMD store.

    For SQLite only ``path`` matters; for MySQL and PostgreSQL the server fields do.
    """

    backend: Backend = Backend.SQLITE
    path: str = ""
    host: str = "localhost"
    port: int | None = None
    database: str = "mlmd"
    user: str = ""
    password: str = ""

    @classmethod
    def sqlite_under(cls, pipeline_root: str) -> MetadataConfig:
        """The embedded default: ``<pipeline_root>/metadata.sqlite``."""
        return cls(backend=Backend.SQLITE, path=os.path.join(pipeline_root, SQLITE_FILE_NAME))

    def describe(self) -> str:
        """Human-readable location, without the password."""
        if self.backend is Backend.SQLITE:
            return f"SQLite file {self.path}"
        port = f":{self.port}" if self.port else ""
        return f"{self.backend.value} database {self.database!r} at {self.user}@{self.host}{port}"
