"""The web chat's Socket.IO channel, without a browser: a python-socketio client talks to the running stack as the
page does (session_request → session_confirm and session_history, user_uttered → bot_uttered)."""
from __future__ import annotations

import queue
import re
import sqlite3
import time
from typing import Any, Optional

import pytest
import requests
import socketio

from conftest import _SourceAddress, loopback_address

pytestmark = pytest.mark.e2e


class WebResident:
    """One browser tab of the chat, reduced to its Socket.IO traffic (polling transport)."""

    def __init__(self, stack, session_id: Optional[str] = None, address: Optional[str] = None,
                 origin: Optional[str] = None):
        self.events: "queue.Queue[tuple[str, Any]]" = queue.Queue()
        http = requests.Session()  # from a loopback address of its own: the per-address rate limit sees one client
        http.mount("http://", _SourceAddress(address or loopback_address()))
        if origin:
            http.headers["Origin"] = origin
        self.client = socketio.Client(reconnection=False, http_session=http)
        for name in ("session_confirm", "session_history", "bot_uttered"):
            self.client.on(name, lambda data, name=name: self.events.put((name, data)))
        self.client.connect(f"http://127.0.0.1:{stack.ports.rasa}", transports=["polling"], wait_timeout=20)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = self.expect("session_confirm")
        self.history = self.expect("session_history")

    def expect(self, name: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name} in {timeout:.0f} s")
            try:
                event, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event == name:
                return data

    def replies(self, first_within: float = 60, quiet: float = 1.5) -> list[dict]:
        """The bot's messages: the first one within `first_within` s, then every one until `quiet` s pass."""
        messages = [self.expect("bot_uttered", first_within)]
        while True:
            try:
                event, data = self.events.get(timeout=quiet)
            except queue.Empty:
                return messages
            if event == "bot_uttered":
                messages.append(data)

    def say(self, text: str, custom: Optional[dict] = None) -> list[dict]:
        payload = {"message": text, "session_id": self.session_id}
        if custom is not None:
            payload["customData"] = custom
        self.client.emit("user_uttered", payload)
        return self.replies()

    def close(self) -> None:
        # Without waiting for the pending long-poll to return (up to the 25 s ping interval).
        self.client.eio.disconnect(abort=True)


def text_of(messages: list[dict]) -> str:
    lines = []
    for message in messages:
        lines.append(message.get("text", ""))
        lines += [f"[{q['title']}]" for q in message.get("quick_replies", [])]
    return "\n".join(lines)


@pytest.fixture
def web_resident(stack):
    residents = []

    def open_tab(session_id: Optional[str] = None) -> WebResident:
        resident = WebResident(stack, session_id)
        residents.append(resident)
        return resident

    yield open_tab
    for resident in residents:
        resident.close()


def test_a_new_session_is_greeted_and_gets_answers(web_resident):
    tab = web_resident()
    assert re.fullmatch(r"[0-9a-f]{32}", tab.session_id)
    assert tab.history == {"session_id": tab.session_id, "messages": [], "expired": False, "new": True}
    greeting = text_of(tab.replies())
    assert "zone BUD" in greeting and "cité minière" in greeting and "emploi" in greeting
    assert "[Parler à un conseiller]" in greeting
    answer = text_of(tab.say("lens est en zone bud ?"))
    assert "Lens" in answer and "Oui" in answer


def test_reconnecting_with_the_session_id_gives_the_history_and_the_conversation_goes_on(web_resident):
    first = web_resident()
    first.replies()  # greeting
    clicked = "Ma commune est-elle en zone BUD ?"
    asked = text_of(first.say("/ask_bud_commune", custom={"display": clicked}))
    assert "commune" in asked
    answer = text_of(first.say("douai"))
    assert "Douai" in answer
    first.close()

    again = web_resident(first.session_id)
    assert again.session_id == first.session_id
    history = again.history
    assert history["expired"] is False and history["new"] is False
    said = [m["text"] for m in history["messages"] if m["author"] == "user"]
    assert said == [clicked, "douai"]  # the button's title (from customData), not its payload; no greeting request
    read = "\n".join(m["text"] for m in history["messages"] if m["author"] == "bot")
    assert "cité minière" in read and "Douai" in read
    assert any(m.get("quick_replies") for m in history["messages"])
    # The conversation continues where it was: « et Cambrai ? » follows the BUD question.
    follow_up = text_of(again.say("et Cambrai ?"))
    assert "Cambrai" in follow_up and "ne fait pas partie" in follow_up


def test_every_tab_of_a_session_gets_the_answers(web_resident):
    first = web_resident()
    first.replies()
    second = web_resident(first.session_id)
    assert second.session_id == first.session_id
    answer = text_of(first.say("Douai fait partie du BUD ?"))
    assert "Douai" in answer
    assert "Douai" in text_of(second.replies(first_within=10))


def test_an_expired_session_starts_a_new_conversation(stack, web_resident):
    first = web_resident()
    first.replies()
    first.say("bonjour")
    first.close()
    # Two hours pass (domain: session_expiration_time 60 minutes).
    with sqlite3.connect(stack.var_dir / "rasa_tracker.db") as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - 7200, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - 7200) WHERE sender_id = ?",
            (first.session_id,),
        )
    again = web_resident(first.session_id)
    assert again.session_id == first.session_id
    assert again.history["expired"] is True and again.history["messages"] == []
    assert "zone BUD" in text_of(again.replies())  # greeted again
    assert "Lens" in text_of(again.say("lens est en zone bud ?"))


def test_bad_input_gets_a_fresh_session_and_breaks_nothing(web_resident):
    tab = web_resident("../../etc/passwd")
    assert re.fullmatch(r"[0-9a-f]{32}", tab.session_id)
    tab.replies()
    tab.client.emit("user_uttered", "not an object")
    tab.client.emit("user_uttered", {"message": ["a", "list"], "session_id": tab.session_id})
    tab.client.emit("user_uttered", {"message": "bonjour", "session_id": tab.session_id, "customData": "{not json"})
    assert "Bonjour" in text_of(tab.replies())
