"""An NLU component, first in the pipeline, that spells out the emoji a resident sends instead of a word.

« 👍 » alone, at « C'est bien cela ? », was not understood: the classifiers read words, the gibberish filter found no
word in it, and the person who had answered « oui » was asked again. Each emoji of rasa_plugins/emoji_fr.yaml becomes
its word in the message's text (« 👍 » → « oui », « 🙏 » → « merci »; skin tones and emoji variation marks are
dropped first), so every component after it, and the actions, read that word. Other emoji stay as typed.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

EMOJI_FILE = Path(__file__).with_name("emoji_fr.yaml")
_MARKS = re.compile("[\ufe0f\u200d\U0001F3FB-\U0001F3FF]")  # variation selector, joiner, skin tones


def emoji_words() -> dict[str, str]:
    return {str(k): str(v) for k, v in yaml.safe_load(EMOJI_FILE.read_text(encoding="utf-8")).items()}


def spelled_out(text: str, words: dict[str, str]) -> str:
    """The text with each known emoji replaced by its word between spaces, spaces squeezed."""
    if not text or text.isascii():
        return text
    stripped = _MARKS.sub("", text)
    if not any(emoji in stripped for emoji in words):
        return text
    for emoji, word in words.items():
        stripped = stripped.replace(emoji, f" {word} ")
    return " ".join(stripped.split())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class EmojiWords(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmojiWords":
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """The table is part of the model: a change in it must retrain (Rasa's training cache)."""
        import hashlib
        return hashlib.sha256(EMOJI_FILE.read_bytes()).hexdigest()

    def __init__(self) -> None:
        self.words = emoji_words()

    def _spell(self, messages: list[Message]) -> None:
        for message in messages:
            text = message.get(TEXT)
            if text:
                spelled = spelled_out(text, self.words)
                if spelled != text:
                    message.set(TEXT, spelled)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._spell(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._spell(messages)
        return messages
