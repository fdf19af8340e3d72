"""The Rasa event broker that feeds insights: what it keeps of Rasa's events (masked, never a name or contact
given in a hand-off), that it posts them, and that a stopped service never blocks or breaks the chat."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from rasa_plugins.insights_broker import InsightsEventBroker


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Collector.received.append((self.headers.get("Authorization"), body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Collector.received
    server.shutdown()


def user(sender, text, intent="inform", entities=()):
    return {"sender_id": sender, "event": "user", "timestamp": time.time(), "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "entities": list(entities)},
            "input_channel": "rest"}


def slot(sender, name, value):
    return {"sender_id": sender, "event": "slot", "timestamp": time.time(), "name": name, "value": value}


def wait_for(received, count, timeout=10):
    deadline = time.monotonic() + timeout
    while sum(len(body["events"]) for _, body in received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [event for _, body in received for event in body["events"]]


def test_events_are_masked_and_posted_with_the_assistant_token(collector, monkeypatch):
    url, received = collector
    monkeypatch.setenv("PROGRAMME_ASSISTANT_TOKEN", "a-test-token")
    config = type("Config", (), {"url": url, "kwargs": {}})()
    broker = asyncio.run(InsightsEventBroker.from_endpoint_config(config))
    broker.publish(user("s1", "écrivez-moi à paul.martin@exemple.fr", entities=[{"entity": "commune", "value": "Lens"}]))
    broker.publish({"sender_id": "s1", "event": "bot", "timestamp": time.time(), "text": "Quel est votre nom ?",
                    "metadata": {"utter_action": "utter_ask_handoff_name"}})
    broker.publish(slot("s1", "requested_slot", "handoff_name"))
    broker.publish(user("s1", "Paul Martin"))
    broker.publish(slot("s1", "handoff_name", "Paul Martin"))  # never forwarded
    broker.publish(slot("s1", "requested_slot", "handoff_contact"))
    broker.publish(user("s1", "paul.martin@exemple.fr"))
    broker.publish(slot("s1", "handoff_reference", "BM-ABCD-EFGH"))
    broker.publish({"sender_id": "s1", "event": "action", "timestamp": time.time(), "name": "action_listen"})
    events = wait_for(received, 8)
    assert received[0][0] == "Bearer a-test-token"
    dumped = json.dumps(events, ensure_ascii=False)
    assert "paul" not in dumped.lower() and "Martin" not in dumped and "BM-ABCD" not in dumped and "s1" not in dumped
    users = [e for e in events if e["type"] == "user"]
    assert [u["text"] for u in users] == ["écrivez-moi à [courriel]", "[nom]", "[contact]"]
    assert users[0]["entities"] == [{"entity": "commune", "value": "Lens"}]
    assert {"type": "bot", "name": "utter_ask_handoff_name"}.items() <= [e for e in events if e["type"] == "bot"][0].items()
    assert [e["name"] for e in events if e["type"] == "slot"] == ["requested_slot", "requested_slot", "handoff_reference"]
    assert [e for e in events if e["type"] == "slot"][-1]["value"] is True  # only that a request was recorded
    assert len({e["conversation"] for e in events}) == 1


def test_a_stopped_service_never_blocks_publish(caplog):
    broker = InsightsEventBroker("http://127.0.0.1:9", "token", max_queue=100)  # nothing listens on port 9
    caplog.set_level(logging.WARNING, logger="rasa_plugins.insights_broker")
    started = time.monotonic()
    for i in range(5000):
        broker.publish(user(f"s{i % 7}", f"message {i} de jean@exemple.fr"))
    assert time.monotonic() - started < 1.0  # 5,000 events in well under a second: never waits for the network
    deadline = time.monotonic() + 10
    while broker.dropped < 4900 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert broker.dropped >= 4900  # the queue holds 100: the rest is dropped, not piled up
    assert any("dropped" in r.getMessage() for r in caplog.records)
    assert not any("jean" in r.getMessage() for r in caplog.records)  # the log line says how many, never what
    assert broker.is_ready()
