"""The reader of French answers, on a table of free-text answers with negations, contrasts and hedges.

Each row is an answer a business owner could type to one question of the BUD check; the reader must give the
value (or nothing, so that the bot asks again) and say whether it is sure. An unsure reading is said back and
confirmed before it counts; a wrong sure reading could give a wrong tax verdict.
"""
import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from assistant.answer_reader import read, read_message, residence_communes, said
from assistant.settings import PROGRAMME_DIR
from assistant.text import normalise

TODAY = dt.date(2026, 11, 26)
TABLE = yaml.safe_load((Path(__file__).parent / "answer_readings.yaml").read_text(encoding="utf-8"))
KIND_FACT = {"origin": "origin", "activity": "activity", "creation_date": "creation_date", "employees": "employees",
             "yes_no": "yes_no"}


@lru_cache(maxsize=1)
def _communes() -> dict:
    rows: dict = {}
    with (PROGRAMME_DIR / "communes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows.setdefault(normalise(row["nom"]), []).append(row)
    return rows


def zone_of(place: str):
    """As the service looks a place up (assistant/api/bud.py), on exact names: (in a BUD zone, INSEE code)."""
    found = _communes().get(normalise(place), [])
    if len(found) != 1 or found[0]["bud_to_verify"] == "true":
        return None
    return found[0]["bud"] == "true", found[0]["insee"]


def _rows():
    for kind, rows in TABLE.items():
        if kind in ("messages", "employment"):
            continue
        for row in rows:
            known = None
            if kind in KIND_FACT:
                text, value, certainty = row
                fact = KIND_FACT[kind]
            elif len(row) == 5:
                fact, text, value, certainty, known = row
            else:
                fact, text, value, certainty = row
            yield pytest.param(fact, text, value, certainty, known, id=f"{kind}:{text}")


def _same(fact, got, expected):
    if expected is None or got is None:
        return got is expected
    if fact == "creation_date":
        return str(got) == str(expected)
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    if isinstance(expected, (int, float)):
        return abs(float(got) - float(expected)) < 0.01
    return got == expected


@pytest.mark.parametrize("fact, text, value, certainty, known", list(_rows()))
def test_answer_is_read_right(fact, text, value, certainty, known):
    reading = read(fact, text, PROGRAMME_DIR, TODAY, zone_of=zone_of, known=known)
    assert _same(fact, reading.value, value), f"{text!r}: read {reading.value!r}, expected {value!r}"
    assert reading.certainty == certainty, f"{text!r}: {reading.certainty}, expected {certainty}"


@pytest.mark.parametrize("text, facts", TABLE["employment"], ids=lambda v: str(v))
def test_a_job_seeker_situation_is_read_right(text, facts):
    from assistant.employment_answers import read_cues  # data/programme/employment/answers.fr.yaml
    assert read_cues(text, PROGRAMME_DIR) == facts


def test_the_table_covers_every_kind_of_fact():
    counts = {kind: len(rows) for kind, rows in TABLE.items() if kind != "messages"}
    assert sum(counts.values()) >= 300, counts
    assert all(count >= 20 for count in counts.values()), counts
    assert len(TABLE["messages"]) >= 10


@pytest.mark.parametrize("row", TABLE["messages"], ids=lambda row: row["text"])
def test_a_long_message_gives_each_of_its_facts(row):
    readings = {r.fact: r.value for r in read_message(row["text"], PROGRAMME_DIR, TODAY, zone_of=zone_of)}
    expected = {fact: value for fact, value in row["facts"].items()}
    got = {fact: readings.get(fact) for fact in expected}
    assert all(_same(f, got[f], v) for f, v in expected.items()), f"{row['text']!r}: {got} != {expected}"
    extra = set(readings) - set(expected) - set(row.get("may_also", ()))
    assert not extra, f"{row['text']!r}: unexpected facts {extra} ({readings})"
    # A hedge bears on the clause it is in (« dans les 40 000 € ») or, alone (« …, je crois »), on the message.
    certainty = {r.fact: r.certainty for r in read_message(row["text"], PROGRAMME_DIR, TODAY, zone_of=zone_of)}
    for wanted in ("sure", "unsure"):
        wrong = {fact: certainty.get(fact) for fact in row.get(wanted, ()) if certainty.get(fact) != wanted}
        assert not wrong, f"{row['text']!r}: expected {wanted}, got {wrong}"


def test_a_denied_word_never_gives_its_value():
    """The first defect found: « non ce n'est pas une reprise » was read as a takeover."""
    for text in ("non ce n'est pas une reprise", "je n'ai rien racheté, j'ai tout créé", "sans aucun rachat"):
        assert read("origin", text, PROGRAMME_DIR, TODAY).value != "takeover", text


def test_where_employees_live_is_not_the_company_commune():
    """« 2 habitent à Douai » once moved a company of Harnes to Douai (« C'est corrigé »)."""
    assert residence_communes("je pense que 2 habitent à Douai", PROGRAMME_DIR, zone_of) == ["59178"]
    assert residence_communes("mon atelier est à Douai", PROGRAMME_DIR, zone_of) == []


@pytest.mark.parametrize("fact", ["turnover_eur", "balance_sheet_eur", "expected_profit_eur"])
def test_a_head_count_is_never_an_amount(fact):
    for text in ("on est 12", "nous sommes 3, tous en CDI", "9 salariés", "4 habitent à Lens", "deux en CDD"):
        assert read(fact, text, PROGRAMME_DIR, TODAY, zone_of=zone_of).value is None, text


def test_the_rest_of_a_yes_or_no_is_kept_for_its_facts():
    reading = read("yes_no", "non, nous sommes 7", PROGRAMME_DIR, TODAY)
    assert reading.value is False and reading.rest == "nous sommes 7"
    reading = read("yes_no", "oui, et 3 sont en CDI", PROGRAMME_DIR, TODAY)
    assert reading.value is True and "3 sont en cdi" in reading.rest
    assert read("yes_no", "oui c'est bien ça", PROGRAMME_DIR, TODAY).rest is None


@pytest.mark.parametrize("text, value", [
    ("oui mais on a tout changé, le nom et la société, c'est quand même une création non ?", True),
    ("oui, ça reste une reprise, hein ?", True),
    ("non ?", False),  # a « non » alone is the answer
    ("c'est faux, pas vrai ?", False),
])
def test_a_question_tag_at_the_end_is_no_answer(text, value):
    assert read("yes_no", text, PROGRAMME_DIR, TODAY).value is value


@pytest.mark.parametrize("fact,value,words", [
    ("employees", 0, "n'a pas de salarié"), ("employees", 1, "compte 1 salarié"), ("employees", 4, "compte 4 salariés"),
    ("eligible_employees", 1, "1 de vos salariés est en CDI"), ("eligible_employees", 3, "3 de vos salariés sont en CDI"),
    ("resident_employees", 0, "aucun de ces salariés n'habite"), ("resident_employees", 1, "1 de ces salariés habite dans"),
    ("resident_employees", 2, "2 de ces salariés habitent"),
])
def test_a_head_count_is_said_back_in_the_right_number(fact, value, words):
    assert words in said(fact, value, PROGRAMME_DIR)


@pytest.mark.parametrize("value,words", [
    ("2023-02", "a commencé son activité en février 2023"), ("2023-02-01", "a commencé son activité le 1er février 2023"),
    ("2016", "a commencé son activité en 2016"), ("2099-06", "commencera son activité en juin 2099"),
    ("2099-06-15", "commencera son activité le 15 juin 2099"),
])
def test_a_creation_date_is_said_back_as_precisely_as_it_was_given(value, words):
    assert said("creation_date", value, PROGRAMME_DIR).endswith(words)


def test_this_month_is_said_back_as_begun_or_about_to_begin():
    # « je vais ouvrir fin décembre », in December: « a commencé son activité en décembre 2026 » read it as done
    this_month = dt.date.today().strftime("%Y-%m")
    assert said("creation_date", this_month, PROGRAMME_DIR).endswith("(ou l'a déjà commencée)")


def test_all_but_one_on_lasting_contracts_in_passing_is_the_staff_minus_one(client):
    """« tous sauf 1 en CDI » at another question read 1 on a lasting contract (the one left out)."""
    def read(**known):
        said = client.get("/bud/understand", params={"text": "tous sauf 1 en cdi", **known}).json()
        return {f["fact"]: (f["value"], f["certainty"]) for f in said["facts"]}
    assert read(employees=4) == {"eligible_employees": (3, "unsure")}
    assert read() == {}  # of how many? nothing read, never the 1
