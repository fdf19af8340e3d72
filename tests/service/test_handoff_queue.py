"""The hand-off queue through the HTTP API: a request made with consent, its reference and secret, withdrawal,
the retention purge, officers' authentication and the service boundary, the audit log, and no personal data in
any log."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa

from assistant.handoff import audit, officers, queue
from assistant.storage import utcnow

ASSISTANT = {"Authorization": "Bearer dev-assistant-token"}
PASSWORD = "un mot de passe assez long"
NAME, PHONE, EMAIL = "Josiane Testpersonne", "06 98 76 54 32", "josiane.testpersonne@example.org"


def request_body(**overrides) -> dict:
    body = {
        "topic": "cites",
        "commune": "62510",  # Liévin → CA de Lens - Liévin
        "consent": True,
        "nom": NAME,
        "contact": PHONE,
        "conversation_id": "conv-123",
        "summary": {"slots": {"commune": "Liévin"}, "verdict": None},
        "transcript": [{"who": "resident", "text": "je veux parler à quelqu'un"}, {"who": "bot", "text": "D'accord."}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def engine(client):
    return client.app.state.programme.engine


@pytest.fixture
def make_officer(engine):
    def make(login: str, service: str) -> None:
        with engine.begin() as conn:
            officers.add(conn, login, login.title(), service, PASSWORD)
    return make


def sign_in(client, login: str) -> dict:
    answer = client.post("/officer/session", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['jeton']}"}


def create(client, **overrides) -> dict:
    answer = client.post("/handoff/requests", json=request_body(**overrides), headers=ASSISTANT)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_request_is_routed_and_gets_a_reference_a_secret_and_a_date(client):
    created = create(client)
    assert re.fullmatch(r"BM-[2-9A-Z]{4}-[2-9A-Z]{4}", created["reference"])
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", created["secret"])
    assert created["service"]["id"] == "epci-246200364" and created["raison"] == "epci"
    assert created["statut"] == "pending" and created["conservation_jours"] == 30
    expected = dt.datetime.fromisoformat(created["reponse_attendue_le"].rstrip("Z"))
    assert expected > utcnow()


def test_a_request_goes_to_the_service_the_person_agreed_to(client):
    created = create(client, service_id="delegation-erbm")  # the route of the body alone gives another service
    assert created["service"]["id"] == "delegation-erbm" and created["raison"] == "accord"
    assert create(client, service_id="epci-246200364")["raison"] == "epci"  # the same: routed as usual
    answer = client.post("/handoff/requests", json=request_body(service_id="nulle-part"), headers=ASSISTANT)
    assert answer.status_code == 422 and "nulle-part" in answer.json()["detail"]


def test_references_are_random_not_sequential(client):
    references = {create(client)["reference"] for _ in range(20)}
    assert len(references) == 20
    assert len({r[3] for r in references}) > 3  # not a counter


def test_every_secret_has_a_digit_so_that_typed_in_lower_case_it_is_told_from_a_word(monkeypatch):
    # one draw in 22 has no digit (« nzhbjkhqwg »): typed so, the assistant could not tell it from « transmette »
    assert all(re.search(r"\d", queue._secret()) for _ in range(300))  # 300 draws: ≈ 1 in 10^6 to pass without
    draws = iter(["NZHBJKHQWG", "NZHBJ4HQWG"])
    monkeypatch.setattr(queue, "_code", lambda length: next(draws))
    assert queue._secret() == "NZHBJ4HQWG"


def test_the_secret_is_not_stored(client, engine):
    created = create(client)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.select(queue.requests_table)) for v in row)
    assert created["secret"].replace("-", "") not in dump and created["secret"] not in dump


@pytest.mark.parametrize(
    "overrides,status",
    [
        ({"consent": False}, 422),
        ({"contact": "pas un contact"}, 422),
        ({"contact": "06 12 34"}, 422),
        ({"contact": "jean@@example"}, 422),
        ({"nom": ""}, 422),
        ({"topic": "meteo"}, 422),
        ({"commune": "99999"}, 422),
        ({"surprise": 1}, 422),
    ],
)
def test_invalid_requests_are_refused_and_nothing_is_stored(client, engine, overrides, status):
    answer = client.post("/handoff/requests", json=request_body(**overrides), headers=ASSISTANT)
    assert answer.status_code == status
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(queue.requests_table)).scalar() == 0


def test_contacts_are_normalised():
    assert queue.normalise_contact("0612345678") == ("06 12 34 56 78", "phone")
    assert queue.normalise_contact("+33 6 12 34 56 78") == ("06 12 34 56 78", "phone")
    assert queue.normalise_contact("06.12.34.56.78") == ("06 12 34 56 78", "phone")
    assert queue.normalise_contact(" a.b@example.fr ") == ("a.b@example.fr", "email")


def test_creating_needs_the_assistant_token(client):
    assert client.post("/handoff/requests", json=request_body()).status_code == 401
    wrong = {"Authorization": "Bearer test-staff-token"}
    assert client.post("/handoff/requests", json=request_body(), headers=wrong).status_code == 401


# --- withdrawal -------------------------------------------------------------------------------------------------


def test_the_resident_withdraws_with_the_secret_and_the_data_are_erased(client, engine, make_officer):
    created = create(client)
    wrong = client.post("/handoff/requests/withdraw", json={"reference": created["reference"], "secret": "AAAAA-AAAAA"})
    assert wrong.status_code == 404
    unknown = client.post("/handoff/requests/withdraw", json={"reference": "BM-2222-2222", "secret": created["secret"]})
    assert unknown.status_code == 404 and unknown.json() == wrong.json()  # nothing tells which one was wrong
    done = client.post(
        "/handoff/requests/withdraw", json={"reference": created["reference"].lower(), "secret": created["secret"].lower()}
    )
    assert done.status_code == 200 and done.json()["issue"] == "withdrawn"
    make_officer("agent.lens", "epci-246200364")
    seen = client.get(f"/officer/requests/{created['reference']}", headers=sign_in(client, "agent.lens")).json()
    assert seen["statut"] == "closed" and seen["issue"] == "withdrawn"
    assert seen["nom"] is None and seen["contact"] is None and seen["transcription"] is None
    again = client.post("/handoff/requests/withdraw", json={"reference": created["reference"], "secret": created["secret"]})
    assert again.status_code == 404  # the secret is gone with the data


def test_the_resident_reads_where_the_request_stands_with_the_secret(client, engine):
    created = create(client)
    body = {"reference": created["reference"], "secret": created["secret"]}
    answer = client.post("/handoff/requests/status", json=body)
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert status["statut"] == "pending" and status["en_retard"] is False and status["pris_le"] is None
    assert status["service"]["id"] == "epci-246200364"
    assert status["reponse_attendue_locale"].endswith(("+01:00", "+02:00"))
    assert NAME not in answer.text and PHONE not in answer.text and "conv-123" not in answer.text  # nothing personal
    assert client.post("/handoff/requests/status", json={**body, "secret": "AAAAA-AAAAA"}).status_code == 404
    assert client.post("/handoff/requests/status", json={**body, "reference": "BM-2222-2222"}).status_code == 404
    with engine.connect() as conn:
        later = queue.resident_status(conn, body["reference"], body["secret"], now=utcnow() + dt.timedelta(days=30))
    assert later["en_retard"] is True  # the moment due has passed and nobody took it
    client.post("/handoff/requests/withdraw", json=body)
    assert client.post("/handoff/requests/status", json=body).status_code == 404  # withdrawn: its secret is erased


def test_the_reference_alone_does_not_withdraw(client):
    created = create(client)
    answer = client.post("/handoff/requests/withdraw", json={"reference": created["reference"], "secret": ""})
    assert answer.status_code == 404


def test_the_resident_corrects_the_contact_of_an_open_request_with_the_secret(client, engine, make_officer):
    # « je me suis trompé de numéro, c'est le 07 81 22 33 45 »: the officer would have called a wrong number
    created = create(client)
    body = {"reference": created["reference"], "secret": created["secret"], "contact": "07.81.22.33.45"}
    wrong = client.post("/handoff/requests/contact", json={**body, "secret": "AAAAA-AAAAA"})
    assert wrong.status_code == 404
    invalid = client.post("/handoff/requests/contact", json={**body, "contact": "07 81"})
    assert invalid.status_code == 422 and "numéro de téléphone invalide" in invalid.json()["detail"]
    done = client.post("/handoff/requests/contact", json=body)
    assert done.status_code == 200 and done.json()["contact"] == "07 81 22 33 45"
    make_officer("agent.lens", "epci-246200364")
    seen = client.get(f"/officer/requests/{created['reference']}", headers=sign_in(client, "agent.lens")).json()
    assert seen["contact"] == "07 81 22 33 45"
    with engine.connect() as conn:
        actions = [row.action for row in conn.execute(sa.select(audit.audit)).fetchall()]
    assert "correct_contact" in actions
    client.post("/handoff/requests/withdraw", json={"reference": created["reference"], "secret": created["secret"]})
    assert client.post("/handoff/requests/contact", json=body).status_code == 404  # withdrawn: nothing to correct


# --- retention purge -------------------------------------------------------------------------------------------


def test_purge_erases_personal_data_after_the_retention_period(client, engine, staff_headers):
    old, recent = create(client), create(client, contact=EMAIL)
    with engine.begin() as conn:
        conn.execute(
            queue.requests_table.update()
            .where(queue.requests_table.c.reference == old["reference"])
            .values(created_at=utcnow() - dt.timedelta(days=31))
        )
    assert client.post("/handoff/purge").status_code == 401
    answer = client.post("/handoff/purge", headers=staff_headers)
    assert answer.status_code == 200 and answer.json()["demandes_effacees"] == 1
    with engine.connect() as conn:
        rows = {r.reference: r for r in conn.execute(sa.select(queue.requests_table))}
    purged, kept = rows[old["reference"]], rows[recent["reference"]]
    assert purged.nom is None and purged.contact is None and purged.transcript is None and purged.summary is None
    assert purged.conversation_id is None and purged.purged_at is not None
    assert purged.topic == "cites" and purged.service_id == "epci-246200364"  # statistics stay
    assert kept.nom == NAME and kept.contact == EMAIL
    assert client.post("/handoff/purge", headers=staff_headers).json()["demandes_effacees"] == 0


def test_the_retention_period_is_configuration(settings, engine):
    with engine.begin() as conn:
        assert queue.purge(conn, retention_days=0, now=utcnow() + dt.timedelta(seconds=1)) == 0
    # (no request yet); the period itself comes from HANDOFF_RETENTION_DAYS
    import os

    from assistant import settings as settings_module

    os.environ["HANDOFF_RETENTION_DAYS"] = "7"
    try:
        assert settings_module.load().retention_days == 7
    finally:
        del os.environ["HANDOFF_RETENTION_DAYS"]


# --- officers: authentication, own service only, state machine ------------------------------------------------


def test_the_queue_is_refused_without_a_session(client):
    created = create(client)
    assert client.get("/officer/queue").status_code == 401
    assert client.get(f"/officer/requests/{created['reference']}").status_code == 401
    assert client.post(f"/officer/requests/{created['reference']}/take").status_code == 401
    assert client.get("/officer/queue", headers={"Authorization": "Bearer made-up"}).status_code == 401
    assert client.get("/officer/queue", headers=ASSISTANT).status_code == 401


def test_a_wrong_password_is_refused(client, make_officer):
    make_officer("agent.lens", "epci-246200364")
    assert client.post("/officer/session", json={"login": "agent.lens", "password": "wrong password!"}).status_code == 401
    assert client.post("/officer/session", json={"login": "nobody", "password": PASSWORD}).status_code == 401


def test_passwords_are_argon2_hashes(engine, make_officer):
    make_officer("agent.lens", "epci-246200364")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(officers.officers.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_an_officer_sees_only_their_own_service(client, make_officer):
    lens = create(client)  # CA de Lens - Liévin
    douai = create(client, commune="59178")  # CA Douaisis Agglo
    make_officer("agent.lens", "epci-246200364")
    make_officer("agent.douai", "epci-200044618")
    as_lens, as_douai = sign_in(client, "agent.lens"), sign_in(client, "agent.douai")
    lens_queue = client.get("/officer/queue", headers=as_lens).json()["demandes"]
    assert [r["reference"] for r in lens_queue] == [lens["reference"]]
    assert "nom" not in lens_queue[0] and "contact" not in lens_queue[0]  # the list shows no personal data
    for path in ("", "/take", "/called-back", "/release"):
        method = client.get if not path else client.post
        assert method(f"/officer/requests/{douai['reference']}{path}", headers=as_lens).status_code == 404
    assert client.post(f"/officer/requests/{douai['reference']}/close", json={}, headers=as_lens).status_code == 404
    assert client.get(f"/officer/requests/{douai['reference']}", headers=as_douai).json()["nom"] == NAME


def test_take_call_back_close(client, make_officer):
    created = create(client)
    make_officer("agent.lens", "epci-246200364")
    make_officer("agent.lens2", "epci-246200364")
    me, colleague = sign_in(client, "agent.lens"), sign_in(client, "agent.lens2")
    ref = created["reference"]
    full = client.get(f"/officer/requests/{ref}", headers=me).json()
    assert full["resume"]["slots"]["commune"] == "Liévin" and full["transcription"][0]["who"] == "resident"
    assert client.post(f"/officer/requests/{ref}/called-back", headers=me).status_code == 409  # take it first
    taken = client.post(f"/officer/requests/{ref}/take", headers=me).json()
    assert taken["statut"] == "with_officer" and taken["pris_par"] == "agent.lens"
    assert client.post(f"/officer/requests/{ref}/take", headers=colleague).status_code == 409
    assert client.post(f"/officer/requests/{ref}/close", json={}, headers=colleague).status_code == 409
    assert client.post(f"/officer/requests/{ref}/called-back", headers=me).json()["rappele_le"]
    closed = client.post(f"/officer/requests/{ref}/close", json={}, headers=me).json()
    assert closed["statut"] == "closed" and closed["issue"] == "called_back"
    assert client.post(f"/officer/requests/{ref}/take", headers=me).status_code == 409
    assert client.get("/officer/queue", headers=me).json()["demandes"] == []


def test_every_read_and_change_is_in_the_audit_log(client, make_officer):
    created = create(client)
    make_officer("agent.lens", "epci-246200364")
    me = sign_in(client, "agent.lens")
    ref = created["reference"]
    client.get("/officer/queue", headers=me)
    client.get(f"/officer/requests/{ref}", headers=me)
    client.post(f"/officer/requests/{ref}/take", headers=me)
    client.post(f"/officer/requests/{ref}/close", json={"issue": "answered"}, headers=me)
    entries = client.get("/officer/audit", headers=me).json()["entrees"]
    actions = [(e["par"], e["action"]) for e in reversed(entries)]
    assert actions == [
        ("assistant", "create"), ("agent:agent.lens", "login"), ("agent:agent.lens", "list"),
        ("agent:agent.lens", "read"), ("agent:agent.lens", "take"), ("agent:agent.lens", "close"),
    ]
    text = str(entries)
    assert NAME not in text and PHONE not in text


def test_sessions_expire(client, engine, make_officer, settings):
    make_officer("agent.lens", "epci-246200364")
    headers = sign_in(client, "agent.lens")
    token = headers["Authorization"].split()[1]
    with engine.begin() as conn:
        later = utcnow() + dt.timedelta(minutes=settings.session_idle_minutes + 1)
        assert officers.session(conn, token, dt.timedelta(minutes=settings.session_idle_minutes), now=later) is None
    assert client.get("/officer/queue", headers=headers).status_code == 401  # gone for good


def test_cookie_sessions_need_the_csrf_token(client, make_officer):
    created = create(client)
    make_officer("agent.lens", "epci-246200364")
    signed = client.post("/officer/session", json={"login": "agent.lens", "password": PASSWORD})
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    csrf = signed.json()["csrf"]
    ref = created["reference"]
    assert client.get("/officer/queue").status_code == 200  # the cookie alone reads
    assert client.post(f"/officer/requests/{ref}/take").status_code == 403  # but does not change
    assert client.post(f"/officer/requests/{ref}/take", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(f"/officer/requests/{ref}/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.delete("/officer/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/officer/queue").status_code == 401


def test_a_disabled_officer_is_signed_out(client, engine, make_officer):
    make_officer("agent.lens", "epci-246200364")
    headers = sign_in(client, "agent.lens")
    with engine.begin() as conn:
        officers.set_active(conn, "agent.lens", False)
    assert client.get("/officer/queue", headers=headers).status_code == 401
    assert client.post("/officer/session", json={"login": "agent.lens", "password": PASSWORD}).status_code == 401


def test_no_personal_data_in_the_logs(client, make_officer, staff_headers, caplog):
    caplog.set_level(logging.DEBUG)
    created = create(client, contact=EMAIL)
    make_officer("agent.lens", "epci-246200364")
    me = sign_in(client, "agent.lens")
    ref = created["reference"]
    client.get(f"/officer/requests/{ref}", headers=me)
    client.post(f"/officer/requests/{ref}/take", headers=me)
    client.post(f"/officer/requests/{ref}/close", json={}, headers=me)
    client.post("/handoff/requests/withdraw", json={"reference": ref, "secret": created["secret"]})
    client.post("/handoff/requests", json=request_body(contact="bad contact " + PHONE), headers=ASSISTANT)
    logged = caplog.text
    for secret in (NAME, EMAIL, PHONE, "Testpersonne", created["secret"], PASSWORD):
        assert secret not in logged


def test_the_api_is_in_the_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/handoff/route", "/handoff/requests", "/handoff/requests/withdraw", "/handoff/purge",
                 "/officer/session", "/officer/queue", "/officer/requests/{reference}",
                 "/officer/requests/{reference}/take", "/officer/requests/{reference}/close", "/officer/audit"):
        assert path in paths, path


def test_the_service_purges_by_itself_at_start(settings, tmp_path):
    """A request older than the retention period loses its personal data when the service starts."""
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    first = TestClient(create_app(settings))
    created = create(first)
    engine = first.app.state.programme.engine
    with engine.begin() as conn:
        conn.execute(queue.requests_table.update().values(created_at=utcnow() - dt.timedelta(days=settings.retention_days + 1)))
    with TestClient(create_app(settings)) as restarted:  # the context runs the start-up
        import time

        for _ in range(50):
            with engine.connect() as conn:
                row = conn.execute(sa.select(queue.requests_table).where(queue.requests_table.c.reference == created["reference"])).first()
            if row.purged_at is not None:
                break
            time.sleep(0.1)
        assert row.nom is None and row.contact is None and row.purged_at is not None
