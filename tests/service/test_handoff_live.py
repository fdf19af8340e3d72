"""Live transfer, the programme-data service's side: an officer online, the officer's messages relayed to the web
chat, the resident's messages stored for the officer, close → the bot resumes, the time-out → a call-back
request. The relay to the Rasa server is recorded here instead of sent."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from assistant.handoff import officers, queue
from assistant.storage import utcnow

ASSISTANT = {"Authorization": "Bearer dev-assistant-token"}
PASSWORD = "un mot de passe assez long"


@pytest.fixture
def relayed(client):
    sent: list[tuple] = []
    client.app.state.relay = lambda conversation_id, kind, text: sent.append((conversation_id, kind, text)) or True
    return sent


@pytest.fixture
def agent(client):
    with client.app.state.programme.engine.begin() as conn:
        officers.add(conn, "agent.lens", "Agent Lens", "epci-246200364", PASSWORD)
    token = client.post("/officer/session", json={"login": "agent.lens", "password": PASSWORD}).json()["jeton"]
    return {"Authorization": f"Bearer {token}"}


def live_request(client, conversation="0123456789abcdef0123456789abcdef") -> str:
    body = {"topic": "cites", "commune": "62510", "consent": True, "nom": "Aline Test", "contact": "06 12 34 56 78",
            "conversation_id": conversation, "mode": "live"}
    answer = client.post("/handoff/requests", json=body, headers=ASSISTANT)
    assert answer.status_code == 201
    return answer.json()["reference"]


def test_an_officer_signed_in_counts_as_online(client, agent):
    route = client.get("/handoff/route", params={"topic": "cites", "commune": "62510"}).json()
    assert route["agents_en_ligne"] == 1
    other = client.get("/handoff/route", params={"topic": "cites", "commune": "59178"}).json()
    assert other["agents_en_ligne"] == 0
    # the service agreed to, as the assistant asks at the request's recording
    assert client.get(f"/handoff/services/{route['service']['id']}").json()["agents_en_ligne"] == 1
    assert client.get(f"/handoff/services/{other['service']['id']}").json()["agents_en_ligne"] == 0


def test_an_idle_console_does_not_count(client, agent):
    engine = client.app.state.programme.engine
    with engine.begin() as conn:
        conn.execute(officers.sessions.update().values(last_seen_at=utcnow() - dt.timedelta(minutes=5)))
    assert client.get("/handoff/route", params={"topic": "cites", "commune": "62510"}).json()["agents_en_ligne"] == 0


def test_a_live_conversation_both_ways_then_closed(client, agent, relayed):
    reference = live_request(client)
    conversation = "0123456789abcdef0123456789abcdef"
    # Before anyone takes it, the resident's words are kept for the officer; an officer cannot write yet.
    assert client.post(f"/handoff/conversations/{conversation}/messages", json={"texte": "allô ?"}, headers=ASSISTANT).status_code == 200
    assert client.post(f"/officer/requests/{reference}/messages", json={"texte": "Bonjour"}, headers=agent).status_code == 409
    client.post(f"/officer/requests/{reference}/take", headers=agent)
    sent = client.post(f"/officer/requests/{reference}/messages", json={"texte": "Bonjour, je regarde votre dossier."}, headers=agent)
    assert sent.status_code == 200 and sent.json()["remis"] is True
    assert relayed == [(conversation, "officer", "Bonjour, je regarde votre dossier.")]
    assert client.post(f"/handoff/conversations/{conversation}/messages", json={"texte": "merci !"}, headers=ASSISTANT).status_code == 200
    news = client.get(f"/officer/requests/{reference}/messages", params={"after": 0}, headers=agent).json()["messages"]
    assert [(m["auteur"], m["texte"]) for m in news] == [
        ("resident", "allô ?"), ("officer", "Bonjour, je regarde votre dossier."), ("resident", "merci !")]
    assert client.get(f"/officer/requests/{reference}/messages", params={"after": news[-1]["id"]}, headers=agent).json()["messages"] == []
    full = client.get(f"/officer/requests/{reference}", headers=agent).json()
    assert "conversation_id" not in full and conversation not in str(full)  # the chat session stays secret
    closed = client.post(f"/officer/requests/{reference}/close", json={}, headers=agent).json()
    assert closed["statut"] == "closed" and closed["bot_reprend"] is True
    assert relayed[-1] == (conversation, "closed", None)
    # Closed: the resident's next message is for the bot again.
    assert client.post(f"/handoff/conversations/{conversation}/messages", json={"texte": "et Lens ?"}, headers=ASSISTANT).status_code == 404


def test_forwarding_needs_the_assistant_token(client):
    live_request(client)
    answer = client.post("/handoff/conversations/0123456789abcdef0123456789abcdef/messages", json={"texte": "x"})
    assert answer.status_code == 401


def test_a_callback_conversation_is_not_live(client):
    body = {"topic": "autre", "consent": True, "nom": "Aline Test", "contact": "06 12 34 56 78", "conversation_id": "abc"}
    client.post("/handoff/requests", json=body, headers=ASSISTANT)
    assert client.post("/handoff/conversations/abc/messages", json={"texte": "x"}, headers=ASSISTANT).status_code == 404


def test_an_undelivered_message_is_said(client, agent):
    client.app.state.relay = lambda *args: False
    reference = live_request(client)
    client.post(f"/officer/requests/{reference}/take", headers=agent)
    answer = client.post(f"/officer/requests/{reference}/messages", json={"texte": "Bonjour"}, headers=agent)
    assert answer.status_code == 502 and "pas pu être remis" in answer.json()["detail"]


def test_nobody_takes_it_in_time_it_becomes_a_callback_request(client, relayed, settings):
    reference = live_request(client)
    engine = client.app.state.programme.engine
    with engine.begin() as conn:
        assert queue.expire_live(conn, settings.live_timeout_seconds) == []  # not yet
        later = utcnow() + dt.timedelta(seconds=settings.live_timeout_seconds + 1)
        assert queue.expire_live(conn, settings.live_timeout_seconds, now=later) == ["0123456789abcdef0123456789abcdef"]
        row = conn.execute(sa.select(queue.requests_table).where(queue.requests_table.c.reference == reference)).first()
    assert row.mode == "callback" and row.status == "pending"  # still in the queue, to call back
    with engine.begin() as conn:
        assert queue.expire_live(conn, settings.live_timeout_seconds, now=later) == []  # told once
