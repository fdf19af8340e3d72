"""Employment answers are read by the service in one place (GET /employment/understand), from the cues of
data/programme/employment/answers.fr.yaml: the table of cases is tests/service/employment_readings.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CASES = yaml.safe_load((Path(__file__).parent / "employment_readings.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case['text']} ({case['asked']})")
def test_an_employment_answer_is_read_right(client, case):
    params = {"text": case["text"], **({"asked": case["asked"]} if case["asked"] else {})}
    response = client.get("/employment/understand", params=params)
    assert response.status_code == 200, response.text
    said = response.json()
    assert said["facts"] == case["facts"], f"{case['text']!r}: {said}"
    assert said["yes_no"] is case.get("yes_no"), f"{case['text']!r}: {said}"
    assert said["unsure"] is case.get("unsure", False), f"{case['text']!r}: {said}"
    assert said["heard_only"] is case.get("heard_only", False), f"{case['text']!r}: {said}"
    assert said["asks_about"] == case.get("asks_about", []), f"{case['text']!r}: {said}"
    assert said["asks_details"] is case.get("asks_details", False), f"{case['text']!r}: {said}"


def test_a_service_asked_about_is_described_as_the_orientation_describes_it(client):
    described = client.get("/employment/routes/plie").json()
    assert described["title"].startswith("PLIE") and "RSA" in described["description"]
    missing = client.get("/employment/routes/pole_emploi")
    assert missing.status_code == 404 and "Aucun service" in missing.json()["detail"]


def test_an_unknown_fact_asked_is_refused_in_french(client):
    response = client.get("/employment/understand", params={"text": "oui", "asked": "salaire"})
    assert response.status_code == 422
    assert "asked doit valoir" in response.text


def test_a_cue_changed_by_staff_is_read_at_once(client, settings, tmp_path):
    """The cues are data: a new word in the file is read without a restart."""
    import shutil

    programme = tmp_path / "programme_copy"
    shutil.copytree(settings.programme_dir, programme)
    cues_file = programme / "employment" / "answers.fr.yaml"
    text = cues_file.read_text(encoding="utf-8")
    assert "revenu de solidarite" in text
    from assistant import employment_answers

    assert employment_answers.read_cues("je touche le minimum social", programme) == {}
    cues_file.write_text(text.replace("revenu de solidarite", "revenu de solidarite|minimum social", 1),
                         encoding="utf-8")
    assert employment_answers.read_cues("je touche le minimum social", programme) == {"rsa": True}


def test_long_term_unemployment_is_read_with_the_dated_rule_of_the_orientation(settings, tmp_path):
    """How many months make long-term unemployment is one fact (employment/parameters.yaml), for the reading of
    « au chômage depuis 8 mois » as for the orientation: a new dated value changes both."""
    import shutil

    from assistant import employment_answers

    programme = tmp_path / "programme_copy"
    shutil.copytree(settings.programme_dir, programme)
    said = "je suis au chomage depuis 8 mois"
    assert employment_answers.read_cues(said, programme) == {"long_term_unemployed": False}
    parameters = programme / "employment" / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    old = "      2017-03-07:\n        value: 12\n"
    assert old in text
    parameters.write_text(text.replace(old, old + "      2020-01-01:\n        value: 6\n", 1), encoding="utf-8")
    assert employment_answers.read_cues(said, programme) == {"long_term_unemployed": True}


@pytest.mark.parametrize("text, detail, scheme", [
    ("quels sont les horaires de la délégation ?", "horaires", None),
    ("Quel est le numéro de téléphone ?", "telephone", None),
    ("c'est quoi le BUD ?", None, None),
    ("qui finance l'ERBM ?", None, None),
    ("on peut cumuler le BUD et la Zone Franche ?", "zone franche", "zone franche"),
    ("et pour la TVA, ça change quoi ?", "tva", "tva"),
    # a shop that « a ouvert » asks no opening hours of the BUD check: only the other schemes stop it
    ("ma boutique a ouvert en mars à Lens, j'ai droit au BUD ?", "ouvert", None),
])
def test_a_question_about_a_detail_no_answer_gives_is_recognised(client, text, detail, scheme):
    response = client.get("/programme/unanswered-detail", params={"text": text})
    assert response.status_code == 200, response.text
    assert response.json() == {"asks_unanswered_detail": detail is not None, "detail": detail, "other_scheme": scheme}


@pytest.mark.parametrize("text, corporate_tax", [
    ("nous sommes une SARL à l'IS", True),
    ("une SAS", True),
    ("je suis micro-entrepreneur", False),
    ("SARL à l'impôt sur le revenu", False),
    ("on est 4 salariés", None),
])
def test_the_tax_regime_is_read_in_any_bud_message(client, text, corporate_tax):
    response = client.get("/bud/understand", params={"text": text})
    assert response.status_code == 200, response.text
    read = {r["fact"]: r["value"] for r in response.json()["facts"]}
    assert read.get("corporate_tax") is corporate_tax, read


@pytest.mark.parametrize("text, age", [
    ("sans emploi depuis 2 ans, 47 ans, j'habite Avion", 47),  # an age between commas, after a duration
    ("mes enfants ont 4 ans et 6 ans", None),  # two ages: whose?
    ("inscrit depuis 3 ans", None),  # a duration, not an age
])
def test_an_age_said_in_passing_is_read(client, text, age):
    facts = client.get("/employment/understand", params={"text": text}).json()["facts"]
    assert facts.get("age") == age, facts


@pytest.mark.parametrize("text, someone_else", [
    ("et pour mon frere il a 30 ans ?", True),
    ("je demande pour ma compagne, elle a arrete de travailler", True),
    ("c'est pour un ami", True),
    ("j'ai 30 ans et je cherche pour moi", False),
    ("je cherche un emploi pour mon avenir", False),
    ("mon mari a une rqth et il recherche un poste", True),  # « elle a 38 ans » was asked as the writer's age
    ("ma femme travaille, moi je cherche", False),
])
def test_a_question_for_someone_else_is_told_apart(client, text, someone_else):
    said = client.get("/employment/understand", params={"text": text}).json()
    assert said["someone_else"] is someone_else, said


@pytest.mark.parametrize("text", ["mon fils a 19 ans il cherche du travail", "ma fille cherche un emploi a lens",
                                  "un boulot pour ma femme 45 ans"])
def test_someone_else_is_told_apart_without_pour_too(client, text):
    assert client.get("/employment/understand", params={"text": text}).json()["someone_else"] is True
