"""A live hand-off in two real browsers (Debian's chromium through Playwright) against the running stack: a
resident on the chat page asks for a person; an officer, signed in to the console in another browser context,
takes the request and replies; the reply appears in the resident's chat, the resident's answer in the console
(the bot stays silent meanwhile); the officer closes; the bot says it is back and answers the next question."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from test_chat_page import ANSWER, ChatPage
from test_handoff_dialogues import PASSWORD, officer

pytestmark = pytest.mark.e2e


def test_live_transfer_between_the_chat_page_and_the_console(stack, browser_context, chat_url):
    programme = f"http://127.0.0.1:{stack.ports.programme}"
    login = officer(stack, "delegation-erbm", return_login=True)

    console = browser_context().new_page()
    console.goto(f"{programme}/console/")
    console.get_by_label("Identifiant").fill(login)
    console.get_by_label("Mot de passe").fill(PASSWORD)
    console.get_by_role("button", name="Se connecter").click()
    expect(console.get_by_role("heading", name="Demandes de mon service")).to_be_visible()

    chat = ChatPage(browser_context().new_page(), chat_url).open()
    chat.wait_greeting()
    chat.say("je veux parler à un conseiller")
    assert "Êtes-vous d'accord" in chat.log.inner_text()  # the page puts a no-break space before « ? »
    chat.say("oui")
    chat.say("Nadine Leroy")
    chat.say("nadine.leroy@exemple.fr")
    expect(chat.log).to_contain_text("Un conseiller va vous répondre ici", timeout=ANSWER)
    reference = re.findall(r"BM-[2-9A-Z]{4}-[2-9A-Z]{4}", chat.log.inner_text())[-1]

    console.get_by_role("button", name="Actualiser").click()
    console.get_by_role("button", name=reference).click()
    expect(console.locator("#r-name")).to_have_text("Nadine Leroy")
    console.get_by_role("button", name="Prendre la demande").click()
    expect(console.locator("#live")).to_be_visible()
    console.get_by_label("Votre réponse").fill("Bonjour, ici la délégation. Que puis-je faire pour vous ?")
    console.get_by_role("button", name="Envoyer").click()

    officer_messages = chat.log.locator(".msg-officer")
    expect(officer_messages.last).to_contain_text("Bonjour, ici la délégation.", timeout=ANSWER)
    expect(officer_messages.last).to_contain_text("Conseiller :")
    bot_before = chat.bot_messages().count()
    chat.input.fill("Je voudrais savoir quand ma cité sera rénovée")
    chat.input.press("Enter")
    expect(console.locator("#r-messages")).to_contain_text("Je voudrais savoir quand ma cité sera rénovée", timeout=ANSWER)
    chat.page.wait_for_timeout(1500)
    assert chat.bot_messages().count() == bot_before  # the bot said nothing while the officer held it

    console.get_by_role("button", name="Clore la demande").click()
    expect(console.locator("#r-status")).to_contain_text("close")
    expect(chat.bot_messages().last).to_contain_text("Le conseiller a terminé la conversation", timeout=ANSWER)

    chat.say("Lens est en zone BUD ?")
    assert "Lens" in chat.last_answer() and "Oui" in chat.last_answer()

    for log in (stack.var_dir / "logs").glob("*.log"):  # nothing personal in any log after a live hand-off
        text = log.read_text(encoding="utf-8", errors="replace")
        for personal in ("Nadine", "Leroy", "nadine.leroy", "quand ma cité sera rénovée"):
            assert personal not in text, f"{personal!r} in {log.name}"
