"""Shared by the test suites that need the trained model (dialogue stories, NLU, end-to-end)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.stack import model_path


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data (`make train` / scripts/test.sh train it first).

    RASA_TEST_MODEL=path/to/model.tar.gz runs the tests against another model, e.g. while the training data are
    being edited and no model matches them yet.
    """
    path = Path(os.environ.get("RASA_TEST_MODEL") or model_path())
    if not path.exists():
        pytest.fail(f"no model for the current training data ({path.name}): run `make train` first")
    return path
