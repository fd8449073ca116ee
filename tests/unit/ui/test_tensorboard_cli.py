"""`tensorboard --logdir <model run>` works from the project's environment (README "Monitoring")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_tensorboard_reads_a_model_runs_event_files(tmp_path: Path) -> None:
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(tmp_path / "train"))
    with writer.as_default():
        for step in range(3):
            tf.summary.scalar("epoch_loss", 1.0 / (step + 1), step=step)
    writer.close()
    tensorboard = Path(sys.executable).with_name("tensorboard")
    done = subprocess.run(
        [str(tensorboard), "--inspect", "--logdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "epoch_loss" in done.stdout and "No module named" not in done.stderr
