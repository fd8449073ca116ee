"""Component logs keep the provider's lines and every warning; the libraries' INFO lines only on request."""

from __future__ import annotations

import logging

import pytest

from airflow_tfx_provider.operators.component import NOISY_LIBRARIES, prepare_tensorflow_environment


@pytest.fixture(autouse=True)
def _restore_levels():
    saved = {name: logging.getLogger(name).level for name in NOISY_LIBRARIES}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_library_info_is_off_by_default_and_warnings_and_our_lines_stay(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW__TFX__LIBRARY_LOG_LEVEL", raising=False)
    prepare_tensorflow_environment()
    with caplog.at_level(logging.INFO):
        logging.getLogger("absl").info("absl chatter")
        logging.getLogger("apache_beam.runners.worker.statecache").info("Creating state cache")
        logging.getLogger("apache_beam.io").warning("a real warning")
        logging.getLogger("airflow_tfx_provider.components.transform").info("our progress line")
    assert "absl chatter" not in caplog.text and "Creating state cache" not in caplog.text
    assert "a real warning" in caplog.text and "our progress line" in caplog.text


def test_a_setting_turns_library_info_back_on(monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW__TFX__LIBRARY_LOG_LEVEL", "info")
    prepare_tensorflow_environment()
    with caplog.at_level(logging.INFO):
        logging.getLogger("absl").info("absl chatter")
    assert "absl chatter" in caplog.text
    monkeypatch.setenv("AIRFLOW__TFX__LIBRARY_LOG_LEVEL", "LOUD")  # not a level: the default
    prepare_tensorflow_environment()
    assert logging.getLogger("absl").level == logging.WARNING
