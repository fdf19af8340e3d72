"""General questions are answered from the programme data: the domain's `utter_faq/*` answers are the rendering
of data/programme/bud/faq.fr.yaml (over the dated parameters) and of data/programme/erbm_faq.fr.yaml (over the
facts of erbm_facts.yaml), so a parameter or a fact changed without regenerating the domain fails here."""
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from assistant import faq

ROOT = Path(__file__).resolve().parents[2]
BUD_SUB_INTENTS = {"bud_what_is", "bud_who_qualifies", "bud_deadline", "bud_duration", "bud_local_taxes",
                   "bud_how_to_claim", "bud_de_minimis", "bud_who_decides", "bud_communes"}
ERBM_SUB_INTENTS = {"what_is_erbm", "territory", "how_many_homes", "landlords", "operations", "funding",
                    "delegation", "status_source"}
BLOCKS = {block.name: block for block in faq.BLOCKS}


@pytest.fixture
def programme(tmp_path):
    """A copy of the shipped programme data that a test may edit."""
    copy = tmp_path / "programme"
    shutil.copytree(faq.PROGRAMME_DIR, copy, ignore=shutil.ignore_patterns("*.csv", "sources", "handoff"))
    return copy


@pytest.mark.parametrize("name, sub_intents", [("BUD", BUD_SUB_INTENTS), ("ERBM", ERBM_SUB_INTENTS)])
def test_the_domain_answers_are_the_rendering_of_the_programme_data(name, sub_intents):
    block = BLOCKS[name]
    answers = block.render(faq.PROGRAMME_DIR, dt.date.today())
    assert set(answers) == sub_intents
    current = faq.current_block(block, (ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert current == faq.domain_block(block, answers), "run: python -m assistant.faq --write-domain domain.yml"


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_the_answers_write_their_dates_as_the_bot_does(name):
    """A source quoted in an answer is dated « 31 décembre 2023 », like every date the bot writes, not 31/12/2023."""
    import re
    for sub_intent, text in BLOCKS[name].render(faq.PROGRAMME_DIR, dt.date.today()).items():
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text), (sub_intent, text)


def test_no_faq_answer_is_typed_by_hand_in_the_domain():
    """Every `utter_faq/*` response of the domain sits inside a generated block."""
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    generated = "".join(faq.current_block(block, text) or "" for block in faq.BLOCKS)
    names = [line.strip().rstrip(":") for line in text.splitlines() if line.strip().startswith("utter_faq/")]
    assert names and all(f"  {name}:" in generated for name in names)
    assert {name.split("/", 1)[1] for name in names} == BUD_SUB_INTENTS | ERBM_SUB_INTENTS


def test_every_answer_is_filled_and_sourced():
    for block_answers in faq.render().values():
        for name, text in block_answers.items():
            assert "[[" not in text and "]]" not in text, name
            assert "Source" in text or "rescrit" in text, name


def test_a_changed_deadline_changes_the_answer(programme):
    """The deadline answer follows parameters.yaml: a new dated value is said at once after regeneration."""
    path = programme / "bud" / "parameters.yaml"
    parameters = yaml.safe_load(path.read_text(encoding="utf-8"))
    parameters["creation_window"]["end"]["values"][dt.date(2026, 6, 1)] = {"value": dt.date(2028, 12, 31)}
    path.write_text(yaml.safe_dump(parameters, allow_unicode=True), encoding="utf-8")
    assert "31 décembre 2028" in faq.render_bud(programme, dt.date(2026, 11, 26))["bud_deadline"]


def test_a_changed_programme_fact_changes_the_answer_and_the_domain_is_then_stale(programme):
    """A staff member corrects the number of homes in erbm_facts.yaml: the answer says the new figure, and the
    shipped domain no longer matches the rendering until it is regenerated."""
    path = programme / "erbm_facts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("environ 23 000 logements", "environ 24 000 logements"),
                    encoding="utf-8")
    answers = faq.render_erbm(programme)
    assert "24 000" in answers["how_many_homes"] and "23 000" not in answers["how_many_homes"]
    block = BLOCKS["ERBM"]
    domain = tmp_domain = programme / "domain.yml"
    shutil.copy(ROOT / "domain.yml", tmp_domain)
    assert faq.current_block(block, domain.read_text(encoding="utf-8")) != faq.domain_block(block, answers)
    faq.write_domain(domain, programme, dt.date.today())
    rewritten = yaml.safe_load(domain.read_text(encoding="utf-8"))
    assert "24 000" in rewritten["responses"]["utter_faq/how_many_homes"][0]["text"]


def test_a_source_is_given_with_its_date_once():
    answers = faq.render_erbm()
    assert answers["territory"].endswith("5 mai 2023.")
    assert "24 janvier 2023, 24 janvier 2023" not in answers["operations"]


def test_the_domain_is_still_valid_yaml_with_the_answers():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in BUD_SUB_INTENTS | ERBM_SUB_INTENTS:
        assert domain["responses"][f"utter_faq/{name}"][0]["text"]


def test_a_merged_answer_says_what_both_questions_ask():
    """Issue 9: « depuis quand ? » is answered by what_is_erbm and « combien de logements rénovés ? » by
    how_many_homes (residents ask them in the same words): each answer holds the facts of both questions."""
    facts = {fact.id: fact.texte for fact in faq.erbm_facts.load(faq.PROGRAMME_DIR)}
    answers = faq.render_erbm(faq.PROGRAMME_DIR)
    for name, fact_ids in {"what_is_erbm": ("erbm_signature", "erbm_duree"),  # what it is, since when, how long
                           "how_many_homes": ("erbm_objectif_logements", "erbm_objectif_30000",  # the target
                                              "erbm_avancement_2022", "erbm_avancement_2024",  # what is done
                                              "erbm_etiquettes")}.items():  # what remains
        missing = [fact_id for fact_id in fact_ids if facts[fact_id] not in answers[name]]
        assert not missing, f"{name} lacks {missing}"


def test_the_duration_answer_says_what_comes_after_the_first_two_years():
    """« et après les deux ans ? » is answered by bud_duration (issue 9): the full period, each decreasing rate of
    parameters.yaml (2018 value), and that the profit is then taxed normally."""
    answer = faq.render_bud(faq.PROGRAMME_DIR, dt.date.today())["bud_duration"]
    assert "23e mois" in answer and "imposé normalement" in answer
    assert "75, 50 puis 25 %" in answer
