"""General BUD questions are answered from the dated parameters: the domain's answers are the rendering of
data/programme/bud/faq.fr.yaml, so a parameter changed without regenerating the domain fails here."""
import datetime as dt
from pathlib import Path

import yaml

from assistant import bud_faq

ROOT = Path(__file__).resolve().parents[2]
SUB_INTENTS = {"bud_what_is", "bud_who_qualifies", "bud_deadline", "bud_duration", "bud_after_24_months",
               "bud_local_taxes", "bud_how_to_claim", "bud_de_minimis", "bud_who_decides"}


def test_the_domain_answers_are_the_rendering_of_the_parameters():
    answers = bud_faq.render()
    assert set(answers) == SUB_INTENTS
    block = bud_faq.current_block((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert block == bud_faq.domain_block(answers), "run: python -m assistant.bud_faq --write-domain domain.yml"


def test_every_answer_is_filled_and_sourced():
    for name, text in bud_faq.render().items():
        assert "[[" not in text and "]]" not in text, name
        assert "Source" in text or "rescrit" in text, name


def test_a_changed_deadline_changes_the_answer(tmp_path):
    """The deadline answer follows parameters.yaml: a new dated value is said at once after regeneration."""
    programme = tmp_path / "programme"
    (programme / "bud").mkdir(parents=True)
    for name in ("parameters.yaml", "explanations.fr.yaml", "faq.fr.yaml"):
        (programme / "bud" / name).write_text((bud_faq.PROGRAMME_DIR / "bud" / name).read_text(encoding="utf-8"),
                                              encoding="utf-8")
    parameters = yaml.safe_load((programme / "bud" / "parameters.yaml").read_text(encoding="utf-8"))
    parameters["creation_window"]["end"]["values"][dt.date(2026, 6, 1)] = {"value": dt.date(2028, 12, 31)}
    (programme / "bud" / "parameters.yaml").write_text(yaml.safe_dump(parameters, allow_unicode=True), encoding="utf-8")
    assert "31 décembre 2028" in bud_faq.render(programme, dt.date(2026, 11, 26))["bud_deadline"]


def test_the_domain_is_still_valid_yaml_with_the_answers():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in SUB_INTENTS:
        assert domain["responses"][f"utter_faq/{name}"][0]["text"]
