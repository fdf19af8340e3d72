"""Emoji sent instead of a word are read as that word (rasa_plugins/emoji_words.py)."""
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.emoji_words import EmojiWords, emoji_words, spelled_out

WORDS = emoji_words()


def test_a_thumbs_up_is_a_yes_whatever_its_skin_tone():
    assert spelled_out("👍", WORDS) == "oui"
    assert spelled_out("👍🏿", WORDS) == "oui"
    assert spelled_out("ok👌", WORDS) == "ok ok"


def test_a_check_mark_with_its_emoji_variation_mark_is_a_yes_and_a_cross_a_no():
    assert spelled_out("✔️ c'est bon", WORDS) == "oui c'est bon"
    assert spelled_out("❌", WORDS) == "non"


def test_text_without_a_known_emoji_is_left_as_typed():
    for text in ("lens 😡 toujours rien", "n° 12 rue des Alouettes", "  deux  espaces ", "Hénin-Beaumont"):
        assert spelled_out(text, WORDS) == text


def test_the_component_rewrites_the_message_the_next_components_read():
    message = Message(data={TEXT: "👍"})
    EmojiWords().process([message])
    assert message.get(TEXT) == "oui"
