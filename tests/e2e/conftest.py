"""The real assistant (programme-data service, action server, Rasa server) started once for the e2e tests, on
ports of its own and with fresh databases in a temporary directory, and a resident who talks to it over REST."""
from __future__ import annotations

import time
import uuid
from typing import Iterator

import pytest
import requests

from assistant.stack import Ports, Stack

PORTS = Ports(programme=15080, actions=15055, rasa=15005)


@pytest.fixture(scope="session")
def stack(tmp_path_factory, trained_model) -> Iterator[Stack]:
    model = trained_model
    var_dir = tmp_path_factory.mktemp("var")
    stack = Stack(model, ports=PORTS, var_dir=var_dir, extra_env={"PROGRAMME_DATABASE_URL": f"sqlite:///{var_dir / 'programme.db'}"})
    started = time.monotonic()
    try:
        stack.start(timeout=400)
    except Exception:
        stack.stop()
        raise
    print(f"\ne2e stack ready in {time.monotonic() - started:.0f} s (logs: {var_dir / 'logs'})")
    yield stack
    stack.stop()


class Resident:
    """One conversation over the REST channel."""

    def __init__(self, stack: Stack):
        self.url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:10]}"

    def say(self, text: str) -> list[dict]:
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=120)
        response.raise_for_status()
        return response.json()

    def ask(self, text: str) -> str:
        """What the resident reads, as one text (button titles included)."""
        messages = self.say(text)
        assert messages, f"no answer to {text!r}"
        lines = []
        for message in messages:
            lines.append(message.get("text", ""))
            lines += [f"[{b['title']}]" for b in message.get("buttons", [])]
        return "\n".join(lines)


@pytest.fixture
def resident(stack) -> Resident:
    return Resident(stack)
