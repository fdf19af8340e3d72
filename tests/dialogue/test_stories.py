"""`rasa test core` on the test stories of tests/stories, failing on any wrong prediction (NLU or dialogue)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from training_phrases import ROOT

RASA = str(Path(sys.executable).parent / "rasa")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "NO_COLOR": "1",
       "PYTHONWARNINGS": "ignore"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_stories_pass(trained_model, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [RASA, "test", "core", "--model", str(trained_model), "--stories", "tests/stories",
         "--fail-on-prediction-errors", "--out", str(out)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900,
    )
    failed = out / "failed_test_stories.yml"
    report = failed.read_text(encoding="utf-8") if failed.exists() else ""
    if result.returncode != 0 or "# predicted:" in report:
        output = ANSI.sub("", result.stdout + result.stderr)
        # With --fail-on-prediction-errors, Rasa stops at the first wrong prediction and prints that story.
        start = output.find("Failed Story")
        output = output[start:start + 4000] if start >= 0 else output[-6000:]
        pytest.fail(f"rasa test core failed (exit {result.returncode}).\n--- failed stories ---\n{report}\n"
                    f"--- output ---\n{output}")
