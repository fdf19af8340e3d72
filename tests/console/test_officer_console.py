"""The officer console in a real browser: sign-in, the queue of the officer's own service only, a request with
what the bot knew and the transcript, take / called back / close, the request's audit log; wrong password; the
page runs under its Content-Security-Policy without errors."""
from __future__ import annotations

import requests
from playwright.sync_api import expect

from assistant.handoff import officers

PASSWORD = "un mot de passe de test assez long"
ASSISTANT = {"Authorization": "Bearer dev-assistant-token"}


def make_request(url: str, commune: str, name: str) -> str:
    body = {
        "topic": "cites", "commune": commune, "consent": True, "nom": name, "contact": "06 11 22 33 44",
        "summary": {"slots": {"commune": "Liévin", "topic": "cites"}, "verdict": None},
        "transcript": [{"who": "resident", "text": "où en est ma cité ?"}, {"who": "bot", "text": "Je ne le sais pas."}],
    }
    answer = requests.post(f"{url}/handoff/requests", json=body, headers=ASSISTANT, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["reference"]


def test_an_officer_takes_calls_back_and_closes_a_request(console_service, browser):
    url, engine = console_service
    with engine.begin() as conn:
        officers.add(conn, "agent.lens", "Camille Agent", "epci-246200364", PASSWORD)
    mine = make_request(url, "62510", "Lucienne Delattre")  # Liévin → CA de Lens - Liévin
    other = make_request(url, "59178", "Bernard Autreservice")  # Douai → another service

    page = browser.new_page()
    errors: list[str] = []
    # Script errors and CSP refusals; a 401 or 404 answer is logged by Chromium as « Failed to load resource ».
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{url}/console/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.get_by_label("Identifiant").fill("agent.lens")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#status")).to_have_text("Identifiant ou mot de passe incorrect.")

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Demandes de mon service")).to_be_visible()
    expect(page.get_by_role("button", name=mine)).to_be_visible()
    expect(page.get_by_role("button", name=other)).to_have_count(0)

    page.get_by_role("button", name=mine).click()
    expect(page.locator("#r-name")).to_have_text("Lucienne Delattre")
    expect(page.locator("#r-contact")).to_have_text("06 11 22 33 44")
    expect(page.locator("#r-transcript")).to_contain_text("où en est ma cité ?")
    expect(page.locator("#r-summary")).to_contain_text("commune : Liévin")
    expect(page.get_by_role("button", name="J'ai rappelé la personne")).to_be_disabled()

    page.get_by_role("button", name="Prendre la demande").click()
    expect(page.locator("#r-status")).to_contain_text("prise en charge par agent.lens")
    page.get_by_role("button", name="J'ai rappelé la personne").click()
    expect(page.locator("#r-status")).to_contain_text("rappel noté le")
    page.get_by_role("button", name="Clore la demande").click()
    expect(page.locator("#r-status")).to_contain_text("close — rappelé")

    page.reload()  # the session survives a reload (cookie), the audit log shows every step
    expect(page.get_by_role("heading", name="Demandes de mon service")).to_be_visible()
    expect(page.get_by_role("button", name=mine)).to_have_count(0)  # closed: out of the queue
    page.get_by_label("Afficher les demandes closes").check()
    page.get_by_role("button", name=mine).click()
    for action in ("create", "read", "take", "called_back", "close"):
        expect(page.locator("#r-audit")).to_contain_text(action)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert requests.get(f"{url}/officer/queue", timeout=5).status_code == 401
    assert errors == [], errors
