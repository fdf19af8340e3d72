"""The insights API on its own (the service in-process, events posted as the broker posts them): who may post
and read, the figures of a made-up set of conversations, a check left silent counted as abandoned, the territory
filter, the retention purge of raw texts (labelled ones kept, figures unchanged)."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.handoff import officers
from assistant.insights import store
from assistant.settings import PROGRAMME_DIR, Settings
from rasa_plugins.insights_broker import conversation_key

ASSISTANT = {"Authorization": "Bearer dev-assistant-token"}
PASSWORD = "un mot de passe de test assez long"


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(f"sqlite:///{tmp_path / 'p.db'}", PROGRAMME_DIR, "test-staff-token", "127.0.0.1", 1))
    with app.state.programme.engine.begin() as conn:
        officers.add(conn, "agent.stats", "Agent Stats", "delegation-erbm", PASSWORD)
    client = TestClient(app)
    token = client.post("/officer/session", json={"login": "agent.stats", "password": PASSWORD}).json()["jeton"]
    client.cookies.clear()  # the bearer token only: anonymous calls stay anonymous
    client.officer = {"Authorization": f"Bearer {token}"}
    client.engine = app.state.programme.engine
    return client


class Talk:
    """Events of one conversation, as the broker sends them."""

    def __init__(self, sender: str, at: float):
        self.key, self.at, self.events = conversation_key(sender), at, []

    def add(self, type_, **fields):
        self.at += 1
        self.events.append({"conversation": self.key, "at": self.at, "type": type_, **fields})
        return self

    def user(self, text, intent, confidence=0.9, entities=()):
        return self.add("user", text=text, intent=intent, confidence=confidence, entities=list(entities))

    def bot(self, name):
        return self.add("bot", name=name, text="…")


def post(client, *talks):
    answer = client.post("/insights/events", json={"events": [e for t in talks for e in t.events]}, headers=ASSISTANT)
    assert answer.status_code == 202, answer.text


def test_only_the_assistant_posts_and_only_officers_read(client):
    assert client.post("/insights/events", json={"events": []}).status_code == 401
    assert client.post("/insights/events", json={"events": []}, headers=client.officer).status_code == 401
    assert client.get("/insights/summary").status_code == 401
    assert client.get("/insights/summary", headers=ASSISTANT).status_code == 401
    assert client.get("/insights/export.yml").status_code == 401
    bad = client.post("/insights/events", json={"events": [{"conversation": "zz", "at": 1, "type": "user"}]}, headers=ASSISTANT)
    assert bad.status_code == 422


def test_figures_of_a_set_of_conversations(client):
    now = time.time()
    lost = Talk("a", now - 7200).user("horaires de la piscine", "nlu_fallback", 0.2).add("action", name="action_not_understood").bot("utter_default")
    vague = Talk("b", now - 100).user("et pour le reste ?", "ask_bud_commune", 0.35).bot("utter_ask_commune")
    silent = (Talk("c", now - 7200).user("ma boite a droit au bud ?", "ask_bud_eligibility").add("loop", name="bud_form")
              .add("slot", name="requested_slot", value="bud_commune").bot("utter_ask_bud_commune")
              .user("Carvin", "inform_place", entities=[{"entity": "commune", "value": "Carvin"}])
              .add("slot", name="bud_commune", value="62215").add("slot", name="requested_slot", value="bud_creation_date")
              .bot("utter_ask_bud_creation_date"))
    running = (Talk("d", now - 60).user("mon entreprise peut avoir le bud", "ask_bud_eligibility").add("loop", name="bud_form")
               .add("slot", name="requested_slot", value="bud_commune").bot("utter_ask_bud_commune"))
    post(client, lost, vague, silent, running)
    figures = client.get("/insights/summary", headers=client.officer).json()
    assert figures["totaux"]["conversations"] == 4 and figures["totaux"]["messages"] == 5
    assert figures["totaux"]["non_compris"] == 1 and figures["totaux"]["part_non_compris"] == 0.2
    assert figures["totaux"]["faible_confiance"] == 1 and figures["totaux"]["besoins_non_satisfaits"] == 2
    checks = figures["verifications_bud"]
    assert (checks["commencees"], checks["terminees"], checks["abandonnees"], checks["en_cours"]) == (2, 0, 1, 1)
    assert {e["question"]: e["abandons"] for e in checks["etapes"]} == {"bud_commune": 0, "bud_creation_date": 1}
    pas_de_calais = client.get("/insights/summary", params={"territoire": "departement:62"}, headers=client.officer).json()
    assert pas_de_calais["totaux"]["conversations"] == 1  # only the conversation that named Carvin
    assert client.get("/insights/summary", params={"territoire": "ailleurs"}, headers=client.officer).status_code == 422
    assert client.get("/insights/summary", params={"du": "2026-05-02", "au": "2026-05-01"},
                      headers=client.officer).status_code == 422


def test_raw_texts_go_after_the_retention_period_but_labels_and_figures_stay(client):
    old = time.time() - 40 * 86400
    first = Talk("e", old).user("le marché de Noël est quand ?", "out_of_scope").bot("utter_out_of_scope")
    second = Talk("f", old).user("et la fête foraine ?", "out_of_scope").bot("utter_out_of_scope")
    post(client, first, second)
    with client.engine.connect() as conn:
        ids = [r.id for r in conn.execute(sa.select(store.events.c.id).where(store.events.c.kind == "user"))]
    period = {"du": (dt.date.today() - dt.timedelta(days=45)).isoformat(), "au": dt.date.today().isoformat()}
    labelled = client.post(f"/insights/messages/{ids[0]}/label", json={"intention": "hors_sujet"}, headers=client.officer)
    assert labelled.status_code == 200
    assert client.post("/insights/purge", headers={"Authorization": "Bearer test-staff-token"}).json() == {"textes_effaces": 3}
    groups = client.get("/insights/groups", params=period, headers=client.officer).json()
    assert [g["titre"] for g in groups["groupes"]] == ["le marché de Noël est quand ?"]  # the other text is erased
    refused = client.post(f"/insights/messages/{ids[1]}/label", json={"intention": "hors_sujet"}, headers=client.officer)
    assert refused.status_code == 422 and "effacé" in refused.json()["detail"]
    figures = client.get("/insights/summary", params=period, headers=client.officer).json()
    assert figures["totaux"]["messages"] == 2 and figures["totaux"]["besoins_non_satisfaits"] == 2
    assert "le marché de Noël est quand ?" in client.get("/insights/export.yml", headers=client.officer).text


def test_an_answer_a_form_accepted_is_not_counted_as_not_understood(client):
    now = time.time() - 60
    talk = (Talk("g", now).user("je veux parler à quelqu'un", "ask_human").add("action", name="action_handoff_offer")
            .bot("utter_handoff_consent").user("oui", "affirm").add("loop", name="handoff_form")
            .add("slot", name="requested_slot", value="handoff_name").bot("utter_ask_handoff_name")
            .user("[nom]", "nlu_fallback", 1.0).add("slot", name="requested_slot", value="handoff_contact")
            .bot("utter_ask_handoff_contact").user("[contact]", "nlu_fallback", 1.0).add("loop", name=None)
            .add("action", name="action_handoff_submit").add("slot", name="handoff_reference", value=True)
            .bot("utter_handoff_created"))
    post(client, talk)
    figures = client.get("/insights/summary", headers=client.officer).json()
    assert figures["totaux"]["messages"] == 4 and figures["totaux"]["non_compris"] == 0
    assert figures["totaux"]["besoins_non_satisfaits"] == 0
    assert figures["transferts"]["proposes"] == 1 and figures["transferts"]["demandes"] == 1
    assert client.get("/insights/groups", headers=client.officer).json()["groupes"] == []


def test_reading_labelling_and_exporting_are_in_the_audit_log_without_any_text(client):
    talk = Talk("h", time.time() - 120).user("ou deposer mes encombrants a Avion ?", "out_of_scope").bot("utter_out_of_scope")
    post(client, talk)
    with client.engine.connect() as conn:
        message = conn.execute(sa.select(store.events.c.id).where(store.events.c.kind == "user")).scalar_one()
    assert client.get("/insights/groups", headers=client.officer).status_code == 200
    assert client.post(f"/insights/messages/{message}/label", json={"intention": "hors_sujet"},
                       headers=client.officer).status_code == 200
    assert client.get("/insights/export.yml", headers=client.officer).status_code == 200
    entries = client.get("/officer/audit", headers=client.officer).json()["entrees"]
    insights = [e for e in entries if e["action"].startswith("insights_")]
    assert [e["action"] for e in reversed(insights)] == ["insights_read", "insights_label", "insights_export"]
    assert {e["par"] for e in insights} == {"agent:agent.stats"} and {e["service"] for e in insights} == {"delegation-erbm"}
    assert insights[0]["detail"] == "1 messages" and insights[1]["detail"] == f"message {message}: hors_sujet"
    assert not any("encombrants" in (e["detail"] or "") for e in entries)
