"""Serialize and retry writes to a SQLite MLMD store shared by parallel tasks.

SQLite allows one writer at a time; parallel Airflow tasks (and backfills) that open the
same file otherwise fail with "database is locked". Every MLMD call made through
``SerializedStore`` holds an exclusive ``flock`` on ``<db>.lock`` and is retried with
backoff when the database still reports being locked or busy.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

_TRANSIENT_MARKERS = ("database is locked", "database table is locked", "busy", "deadlock", "try restarting")


#: Opening an empty server database: MLMD creates its tables, and several processes doing it at
#: once (Celery workers' first tasks on a new deployment) collide; the ones that lose retry.
CONNECT_MARKERS = (
    "please retry",
    "concurrent connection to the empty database",
    "pg_type_typname_nsp_index",
    "already exists",
)


def is_transient(error: BaseException, also: tuple[str, ...] = ()) -> bool:
    """True for errors that mean 'someone else holds the database; try again'."""
    text = str(error).lower()
    return any(marker in text for marker in (*_TRANSIENT_MARKERS, *also))


@contextlib.contextmanager
def file_lock(path: str | None) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (no-op when ``path`` is None)."""
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def call_with_retry(
    func: Callable[..., Any],
    *args: Any,
    lock_path: str | None,
    attempts: int = 8,
    also_transient: tuple[str, ...] = (),
    **kwargs: Any,
) -> Any:
    """Call ``func`` under the lock, retrying transient lock errors with jittered backoff."""
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            with file_lock(lock_path):
                return func(*args, **kwargs)
        except Exception as err:
            if attempt == attempts or not is_transient(err, also_transient):
                raise
            log.info("MLMD store busy (%s); retry %d/%d in %.2fs", err, attempt, attempts - 1, delay)
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


class SerializedStore:
    """Wraps an MLMD ``MetadataStore`` so every method call goes through ``call_with_retry``."""

    def __init__(self, store: Any, lock_path: str | None) -> None:
        self._store = store
        self._lock_path = lock_path

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if not callable(method):
            return method

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return call_with_retry(method, *args, lock_path=self._lock_path, **kwargs)

        return wrapped
