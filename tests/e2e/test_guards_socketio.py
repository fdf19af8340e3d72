"""The same guards on the web chat's Socket.IO channel: oversized and flooding messages get polite answers, another
conversation stays responsive, and browsers of another site are refused (CORS and Socket.IO origin)."""
from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio

from conftest import Resident, rasa_rss_mb
from test_socketio_channel import WebResident, text_of

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"


def site(stack) -> str:
    return f"http://127.0.0.1:{stack.ports.rasa}"


def test_an_oversized_message_on_socketio_gets_a_polite_answer(stack):
    tab = WebResident(stack)
    try:
        tab.replies()  # greeting
        before = rasa_rss_mb(stack)
        assert "trop long" in text_of(tab.say("bud " * 25_000))
        assert "trop long" in text_of(tab.say("!" * 1_900))  # short, but 1,900 signs
        assert rasa_rss_mb(stack) - before < 100
        assert "Lens" in text_of(tab.say("lens est en zone bud ?"))
    finally:
        tab.close()


def test_a_flooding_tab_is_slowed_and_another_conversation_is_not(stack):
    flooder = WebResident(stack)
    other = Resident(stack)
    try:
        flooder.replies()
        for _ in range(25):  # one polling request each: engine.io itself drops a request of more than 16 packets
            flooder.client.emit("user_uttered", {"message": "bonjour", "session_id": flooder.session_id})
            time.sleep(0.1)
        started = time.monotonic()
        answer = other.ask("Douai fait partie du BUD ?")
        elapsed = time.monotonic() - started
        replies = text_of(flooder.replies(first_within=30, quiet=3))
        limited = replies.count("beaucoup de messages")
        print(f"\n25 Socket.IO messages at once: {limited} slowed down; "
              f"another conversation answered in {elapsed:.1f} s")
        assert limited >= 10
        assert "Douai" in answer and elapsed < 10
    finally:
        flooder.close()


def test_socketio_refuses_a_browser_of_another_site(stack):
    with pytest.raises(socketio.exceptions.ConnectionError):
        WebResident(stack, origin=EVIL)
    tab = WebResident(stack, origin=site(stack))  # the chat page's own origin
    try:
        assert "zone BUD" in text_of(tab.replies())
    finally:
        tab.close()


def test_cors_allows_only_the_site(stack):
    url = f"{site(stack)}/webhooks/rest/webhook"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    evil = requests.options(url, headers={"Origin": EVIL, **preflight}, timeout=10)
    assert "Access-Control-Allow-Origin" not in evil.headers, evil.headers
    ours = requests.options(url, headers={"Origin": site(stack), **preflight}, timeout=10)
    assert ours.headers.get("Access-Control-Allow-Origin") == site(stack), ours.headers
    polling = requests.get(f"{site(stack)}/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL}, timeout=10)
    assert polling.status_code == 400 and "Access-Control-Allow-Origin" not in polling.headers


def test_rasa_http_api_is_off(stack):
    for path in ("/status", "/version", "/conversations/someone/tracker", "/model"):
        response = requests.get(f"{site(stack)}{path}", timeout=10)
        assert response.status_code in (404, 405), (path, response.status_code)
    response = requests.post(f"{site(stack)}/conversations/someone/tracker/events", json=[{"event": "restart"}],
                             timeout=10)
    assert response.status_code in (404, 405)


def _non_loopback_address() -> str | None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_every_service_listens_on_loopback_only(stack):
    import socket

    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    for name, port in (("rasa", stack.ports.rasa), ("actions", stack.ports.actions),
                       ("programme", stack.ports.programme)):
        with socket.socket() as client:
            client.settimeout(2)
            assert client.connect_ex((address, port)) != 0, f"{name} answers on {address}:{port}"
