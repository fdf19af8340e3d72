"""Staff insights end to end: residents talk to the running assistant over REST (questions it cannot answer, an
unknown commune followed by « ce n'est pas ma question », a hand-off with a name and an e-mail, a BUD check
stopped at its second question, a finished one); the Rasa server's event broker feeds the programme-data
service; then the insights API gives the right counts and groups, nothing personal is stored, the labelled
messages export as valid Rasa training data, and the console page (a real Chromium) shows it all. The page's
screenshot is docs/screenshots/insights.png.

The e2e stack is shared with the other e2e modules, so the counts are compared before and after this module's
conversations (tests run one after another)."""
from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import time
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from assistant.stack import ROOT
from conftest import Resident, save_screenshot
from test_handoff_dialogues import PASSWORD, REFERENCE, officer, programme

pytestmark = pytest.mark.e2e
# Questions outside what the assistant knows, two themes: they must come back as two groups.
SWIMMING = ["a quelle heure ouvre la piscine municipale", "la piscine est ouverte le dimanche matin ?",
            "horaires piscine municipale svp"]
BINS = ["quel jour passe le camion des poubelles", "les poubelles jaunes sont ramassées quel jour ?"]
PERSONAL = ("mon numéro de sécu est 1 85 05 78 006 084 36 et le siret 123 456 789 00012, "
            "rappelez moi au 06 71 82 93 04")


def today() -> str:
    return dt.datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


def summary(stack, headers) -> dict:
    answer = requests.get(f"{programme(stack)}/insights/summary", params={"du": today(), "au": today()},
                          headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def groups(stack, headers) -> dict:
    answer = requests.get(f"{programme(stack)}/insights/groups", params={"du": today(), "au": today()},
                          headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def events_db(stack) -> sqlite3.Connection:
    url = stack.env()["PROGRAMME_DATABASE_URL"]
    return sqlite3.connect(url.removeprefix("sqlite:///"))


@pytest.fixture(scope="module")
def conversations(stack):
    """The residents' conversations, and the figures before and after them (once the broker has caught up)."""
    headers = officer(stack, "delegation-erbm")
    before = summary(stack, headers)
    said = {}
    for text in SWIMMING + BINS:
        said[text] = Resident(stack).ask(text)
    personal = Resident(stack)
    said[PERSONAL] = personal.ask(PERSONAL)

    unknown = Resident(stack)
    said["unknown"] = unknown.ask("Trifouillis-les-Oies est en zone BUD ?")
    unknown.ask("ce n'est pas ma question")

    handoff = Resident(stack)
    handoff.ask("Douai fait partie du BUD ?")
    handoff.ask("je veux parler à un conseiller")
    handoff.ask("oui je suis d'accord")
    assert "joindre" in handoff.ask("Karim Benali")
    assert REFERENCE.search(handoff.ask("karim.benali@exemple.fr"))

    stopped = Resident(stack)
    assert "Dans quelle commune" in stopped.ask("mon entreprise peut-elle bénéficier du BUD ?")
    assert "Quand votre entreprise" in stopped.ask("elle est a Lievin")
    assert "on arrête là" in stopped.ask("stop, on arrête là")

    finished = Resident(stack)
    finished.ask("j'ai lancé ma société de nettoyage à Harnes en octobre 2022, on est 4")
    for answer in ("oui c'est une creation", "dans les 300 000 euros", "oui", "aucune, c'est a moi", "les 4", "2"):
        finished.ask(answer)
    assert "remplit les conditions" in finished.ask("5%")

    deadline = time.monotonic() + 30
    while True:  # the broker posts from a thread of its own: wait until every message has arrived
        after = summary(stack, headers)
        if after["totaux"]["messages"] - before["totaux"]["messages"] >= 24 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {"headers": headers, "before": before, "after": after, "said": said}


def delta(conversations, *path):
    def dig(figures):
        for key in path:
            figures = figures[key]
        return figures
    return dig(conversations["after"]) - dig(conversations["before"])


def row(figures, section, key, value):
    return next((r for r in figures[section] if r[key] == value), None)


def test_the_counts_of_the_conversations(conversations):
    assert delta(conversations, "totaux", "conversations") == 10
    # 5 + 1 questions, 2 (unknown commune), 5 (hand-off), 3 (stopped check), 8 (finished check)
    assert delta(conversations, "totaux", "messages") == 24
    assert delta(conversations, "totaux", "besoins_non_satisfaits") >= 6  # the six questions it could not answer
    assert delta(conversations, "transferts", "proposes") == 1
    assert delta(conversations, "transferts", "demandes") == 1
    checks = conversations["after"]["verifications_bud"], conversations["before"]["verifications_bud"]
    assert checks[0]["commencees"] - checks[1]["commencees"] == 2
    assert checks[0]["terminees"] - checks[1]["terminees"] == 1
    assert checks[0]["abandonnees"] - checks[1]["abandonnees"] == 1


def test_the_abandoned_check_is_counted_at_its_question(conversations):
    def abandons(figures):
        step = next((e for e in figures["verifications_bud"]["etapes"] if e["question"] == "bud_creation_date"), None)
        return step["abandons"] if step else 0
    assert abandons(conversations["after"]) - abandons(conversations["before"]) == 1


def test_the_handoff_is_counted_by_topic_and_service(conversations):
    after, before = conversations["after"]["transferts"], conversations["before"]["transferts"]
    bud_after = row(after, "par_sujet", "sujet", "bud")
    bud_before = row(before, "par_sujet", "sujet", "bud") or {"demandes": 0}
    assert bud_after["demandes"] - bud_before["demandes"] == 1
    service_after = row(after, "par_service", "service", "delegation-erbm-entreprises")
    service_before = row(before, "par_service", "service", "delegation-erbm-entreprises") or {"demandes": 0}
    assert service_after["demandes"] - service_before["demandes"] == 1
    assert service_after["nom"] != "service non trouvé"


def test_the_unknown_commune_and_the_complaint_about_its_answer(conversations):
    place = row(conversations["after"], "lieux_inconnus", "nom", "Trifouillis-les-Oies") or row(
        conversations["after"], "lieux_inconnus", "nom", "Trifouillis les Oies")
    assert place is not None, conversations["after"]["lieux_inconnus"]
    assert "pas" in conversations["said"]["unknown"]  # the bot said it does not know that commune
    complained = [r for r in conversations["after"]["reponses_contestees"] if r["pas_ma_question"] >= 1]
    assert any(r["reponse"].startswith("utter_commune") for r in complained), complained


def group_of(found: dict, text: str) -> dict:
    return next(g for g in found["groupes"] if any(e["texte"] == text for e in g["exemples"]) or text == g["titre"])


def test_the_unmet_needs_come_in_groups_by_theme(stack, conversations):
    found = groups(stack, conversations["headers"])
    assert len(found["groupes"]) <= 20
    swimming = group_of(found, SWIMMING[0])
    texts = {e["texte"] for e in swimming["exemples"]}
    assert set(SWIMMING) <= texts and not texts & set(BINS), (found, {t: conversations["said"][t] for t in SWIMMING})
    assert swimming["taille"] >= 3 and "piscine" in swimming["mots_cles"]
    bins = group_of(found, BINS[0])
    assert set(BINS) <= {e["texte"] for e in bins["exemples"]} and bins is not swimming
    sizes = [g["taille"] for g in found["groupes"]]
    assert sizes == sorted(sizes, reverse=True)  # the most frequent first


def test_labelled_messages_export_as_valid_training_data(stack, conversations, tmp_path):
    headers = conversations["headers"]
    found = groups(stack, headers)
    csrf_free = headers  # a bearer session: no CSRF token needed
    for text, intent in ((SWIMMING[0], "hors_sujet"), (BINS[0], "hors_sujet"), (SWIMMING[1], "ask_capabilities")):
        example = next(e for g in found["groupes"] for e in g["exemples"] if e["texte"] == text)
        answer = requests.post(f"{programme(stack)}/insights/messages/{example['id']}/label",
                               json={"intention": intent}, headers=csrf_free, timeout=10)
        assert answer.status_code == 200, answer.text
    refused = requests.post(f"{programme(stack)}/insights/messages/{example['id']}/label",
                            json={"intention": "pas_une_intention"}, headers=headers, timeout=10)
    assert refused.status_code == 422 and "intention inconnue" in refused.json()["detail"]
    exported = requests.get(f"{programme(stack)}/insights/export.yml", headers=headers, timeout=10)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert "- intent: out_of_scope" in exported.text and SWIMMING[0] in exported.text
    assert "- intent: ask_capabilities" in exported.text
    path = tmp_path / "nlu" / "insights.yml"
    path.parent.mkdir()
    path.write_text(exported.text, encoding="utf-8")
    validated = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--domain", "domain.yml", "--data", "data",
         str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]


def test_nothing_personal_is_stored(stack, conversations):
    with events_db(stack) as db:
        texts = " ".join(t or "" for (t,) in db.execute("SELECT text FROM insight_events"))
        values = " ".join(v or "" for (v,) in db.execute("SELECT value FROM insight_events"))
    for secret in ("Karim", "Benali", "karim.benali", "06 71 82 93 04", "1 85 05 78 006 084 36", "123 456 789 00012"):
        assert secret not in texts and secret not in values
    assert "[numéro]" in texts and "[téléphone]" in texts and "[nom]" in texts and "[contact]" in texts


def test_the_insights_page_in_a_browser(stack, conversations, browser_context):
    url = programme(stack)
    login = officer(stack, "delegation-erbm", return_login=True)
    page = browser_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) and not r.url.startswith("data:") else None)
    page.goto(f"{url}/console/")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Ce que l'assistant ne sait pas encore").click()
    expect(page.get_by_role("heading", name="Ce que l'assistant ne sait pas encore")).to_be_visible()
    page.get_by_label("Du", exact=True).fill(today())
    page.get_by_label("Au", exact=True).fill(today())
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#status")).to_contain_text("Chiffres du")
    after = summary(stack, conversations["headers"])
    expect(page.locator("#t-conversations")).to_have_text(str(after["totaux"]["conversations"]))
    expect(page.locator("#t-messages")).to_have_text(str(after["totaux"]["messages"]))
    expect(page.locator("#places")).to_contain_text("Trifouillis")
    expect(page.locator("#funnel")).to_contain_text("date de création")
    expect(page.locator("#handoffs-topic")).to_contain_text("BUD (entreprises)")
    swimming = page.locator("#groups > li").filter(has_text=SWIMMING[2])
    expect(swimming).to_have_count(1)
    expect(swimming).to_contain_text("piscine")
    assert page.evaluate("typeof window.Chart") == "function"  # Chart.js served from this origin drew the charts
    assert page.locator("#chart-volumes").bounding_box()["height"] > 100

    example = swimming.locator("ul > li").filter(has_text=SWIMMING[2])
    example.get_by_label("Intention").select_option("hors_sujet")
    example.get_by_role("button", name="Enregistrer").click()
    expect(example.locator(".saved")).to_have_text("étiqueté")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter les messages étiquetés").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert SWIMMING[2] in exported and "out_of_scope" in exported

    page.get_by_label("Territoire", exact=True).select_option(label="Pas-de-Calais")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#status")).to_contain_text("Chiffres du")
    expect(page.locator("#places")).not_to_contain_text("Trifouillis")  # a conversation without a known commune
    page.get_by_label("Territoire", exact=True).select_option("")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#places")).to_contain_text("Trifouillis")
    started = time.monotonic()
    save_screenshot(page, "insights.png", full_page=True)
    print(f"insights page captured in {time.monotonic() - started:.1f} s")
    assert errors == [], errors
    assert outside == [], outside
