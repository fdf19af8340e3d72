"""A question read as a yes is not taken as one (rasa_plugins/not_a_yes.py)."""
from pathlib import Path

import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.not_a_yes import NotAYes

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text(encoding="utf-8"))
COMPONENT = NotAYes({**NotAYes.get_default_config(), **next(
    c for c in CONFIG["pipeline"] if c["name"].endswith("NotAYes"))})


def _read(text: str, intent: str = "affirm") -> str:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9},
                            INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.9}]})
    COMPONENT.process([message])
    return message.get(INTENT)["name"]


def test_a_question_read_as_a_yes_is_not_understood():
    for text in ("pourquoi ?", "Pourquoi", "pk ?", "ah bon pourquoi ?", "oui mais POURQUOI", "pkoi", "c'est-à-dire ?",
                 "ah bon ?", "comment ça se fait"):
        assert _read(text) == "nlu_fallback", text


def test_a_yes_stays_one():
    for text in ("oui", "pourquoi pas", "ouais pk pas", "Pourquoi pas, oui", "ok", "d'accord", "bonjour"):
        assert _read(text) == "affirm", text


def test_other_intents_are_left_alone():
    assert _read("pourquoi je n'y ai pas droit ?", intent="ask_bud_eligibility") == "ask_bud_eligibility"
