"""An NLU component, after the intent classifiers, that does not let a question be read as a yes.

« pourquoi ? » was read as `affirm` (0.83-0.97: « pourquoi pas » is a yes, and « pourquoi » is seen nowhere else), and
a yes answers what the bot asked: « Avant de conclure, je vérifie, car cette réponse ferme l'accès à l'exonération
… C'est bien cela ? » « pourquoi ? » counted as confirmed, and the verdict followed; to « Voulez-vous que je transmette
votre question à un conseiller ? » it started the hand-off. A message that asks why, or what something means, is no
yes (unless it is « pourquoi pas »): read as `affirm`, it becomes `nlu_fallback`, which is not understood where a
question was asked (the question comes again) and, just after a verdict, is answered by what decided it
(actions/handoff.py, `ActionNotUnderstood`).
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.gibberish import fold, read_as_not_understood


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NotAYes(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # intent: the yes; questions: words (folded) that ask rather than agree; still_a_yes: the phrases of them
        # that agree (« pourquoi pas »)
        return {"intent": "affirm", "questions": ["pourquoi"], "still_a_yes": ["pourquoi pas"]}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NotAYes":
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._question = _phrases(config["questions"])
        self._yes = _phrases(config["still_a_yes"])

    def asks(self, text: str) -> bool:
        folded = " ".join(re.findall(r"[a-z0-9]+", fold(text)))
        return bool(self._question.search(self._yes.sub(" ", folded)))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") == self.config["intent"] and self.asks(message.get(TEXT) or ""):
                read_as_not_understood(message)
        return messages


def _phrases(phrases: list[str]) -> re.Pattern:
    words = sorted((r"\s".join(map(re.escape, fold(p).split())) for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:%s)\b" % "|".join(words)) if words else re.compile(r"(?!)")
