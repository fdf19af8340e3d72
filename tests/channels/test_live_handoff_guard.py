"""The web chat channel's hand-off guard: while a conversation is with an officer, the resident's messages go to
the officer (the programme-data service stores them) and not to the bot; otherwise the bot answers; a service
that does not answer never swallows a message."""
from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from rasa_plugins import channels, live_handoff


class _Service(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append((self.path, self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        status = 200 if "/live-session/" in self.path else 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def service(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PROGRAMME_URL", f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()


def run(message: UserMessage) -> list[str]:
    reached: list[str] = []

    async def bot(m: UserMessage) -> None:
        reached.append(m.text)

    asyncio.run(live_handoff.guard(message, bot))
    return reached


def message(text: str, sender: str, channel: str = "socketio") -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), sender, input_channel=channel)


def test_the_guard_is_in_the_channels_pipeline():
    assert live_handoff.guard in channels.MESSAGE_GUARDS


def test_a_message_of_a_live_conversation_goes_to_the_officer(service):
    assert run(message("j'ai une question", "live-session")) == []
    path, auth, body = service.received[-1]
    assert path == "/handoff/conversations/live-session/messages" and body == {"texte": "j'ai une question"}
    assert auth == "Bearer dev-assistant-token"


def test_otherwise_the_bot_answers(service):
    assert run(message("lens est en bud ?", "other-session")) == ["lens est en bud ?"]


def test_rest_and_payloads_are_not_forwarded(service):
    assert run(message("bonjour", "live-session", channel="rest")) == ["bonjour"]
    assert run(message("/greet", "live-session")) == ["/greet"]
    assert service.received == []


def test_a_service_down_never_swallows_a_message(monkeypatch):
    monkeypatch.setenv("PROGRAMME_URL", "http://127.0.0.1:9")
    assert run(message("allô", "live-session")) == ["allô"]
