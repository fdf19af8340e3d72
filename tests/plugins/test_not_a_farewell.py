"""A question or a follow-up read as goodbye does not end the conversation (rasa_plugins/not_a_farewell.py)."""
from pathlib import Path

import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.not_a_farewell import NotAFarewell

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text(encoding="utf-8"))
COMPONENT = NotAFarewell({**NotAFarewell.get_default_config(), **next(
    c for c in CONFIG["pipeline"] if c["name"].endswith("NotAFarewell"))})


def _read(text: str, intent: str = "goodbye") -> str:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9},
                            INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.9}]})
    COMPONENT.process([message])
    return message.get(INTENT)["name"]


def test_a_follow_up_or_a_question_read_as_goodbye_is_not_understood():
    for text in ("et après ?", "Et alors", "et apres", "  et ensuite..", "bonne après-midi ?", "bon et apres je fais quoi"):
        assert _read(text) == "nlu_fallback", text


def test_a_farewell_stays_one():
    for text in ("bonne après-midi", "au revoir", "bye bye", "etonnant, au revoir", "ok je vous laisse"):
        assert _read(text) == "goodbye", text


def test_other_intents_are_left_alone():
    assert _read("et pour Lens ?", intent="ask_bud_commune") == "ask_bud_commune"
