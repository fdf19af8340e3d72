"""Services refuse to listen beyond this machine with a default secret, and say what to set."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.exposure import UnsafeConfiguration, is_loopback, refuse_default_secrets
from assistant.stack import ROOT, Ports, Stack

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PROGRAMME_", "RASA_", "ACTION_", "ASSISTANT_"))}


def _programme(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**ENV, "PYTHONPATH": str(ROOT), "PROGRAMME_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
             "PROGRAMME_PORT": "0", **env},
    )


@pytest.mark.parametrize("token", [None, "dev-staff-token", "short"], ids=["unset", "default", "short"])
def test_the_programme_service_refuses_a_public_address_with_a_weak_staff_token(tmp_path, token):
    env = {"PROGRAMME_HOST": "0.0.0.0"}
    if token:
        env["PROGRAMME_STAFF_TOKEN"] = token
    result = _programme(tmp_path, **env)
    assert result.returncode != 0
    assert "PROGRAMME_STAFF_TOKEN" in result.stderr and "0.0.0.0" in result.stderr
    assert "not a loopback address" in result.stderr


def test_loopback_with_the_default_token_is_allowed():
    refuse_default_secrets("x", "127.0.0.1", {"TOKEN": (None, "dev")})
    refuse_default_secrets("x", "localhost", {"TOKEN": ("dev", "dev")})
    refuse_default_secrets("x", "0.0.0.0", {"TOKEN": ("a-real-secret-of-32-characters!!", "dev")})
    with pytest.raises(UnsafeConfiguration):
        refuse_default_secrets("x", "192.0.2.10", {"TOKEN": ("dev", "dev")})
    assert is_loopback("::1") and not is_loopback("0.0.0.0") and not is_loopback("::")


@pytest.mark.parametrize("env, words", [
    ({"PROGRAMME_HOST": "0.0.0.0"}, "PROGRAMME_STAFF_TOKEN"),
    ({"ACTION_HOST": "0.0.0.0"}, "ACTION_HOST"),
    ({"RASA_HOST": "0.0.0.0"}, "ASSISTANT_SITE_ORIGINS"),
    # the hand-off token (action server → service, service → Rasa's relay route) is a secret too
    ({"PROGRAMME_HOST": "0.0.0.0", "PROGRAMME_STAFF_TOKEN": "a-real-staff-secret-of-32-chars!"}, "PROGRAMME_ASSISTANT_TOKEN"),
    ({"RASA_HOST": "0.0.0.0", "ASSISTANT_SITE_ORIGINS": "https://www.example.fr"}, "PROGRAMME_ASSISTANT_TOKEN"),
])
def test_the_stack_refuses_before_starting_anything(monkeypatch, tmp_path, env, words):
    for name in ("PROGRAMME_STAFF_TOKEN", "PROGRAMME_ASSISTANT_TOKEN", "ASSISTANT_SITE_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stack = Stack(tmp_path / "model.tar.gz", ports=Ports(1, 2, 3), var_dir=tmp_path)
    with pytest.raises(SystemExit) as refused:
        stack.start()
    assert words in str(refused.value)
    assert stack.processes == {}
