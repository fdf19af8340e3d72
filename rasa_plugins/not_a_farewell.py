"""An NLU component, after the intent classifiers, that does not let a question or a follow-up end a conversation.

« et après ? », « et alors ? » were read as `goodbye` (« bonne après-midi » is one), with 0.7-0.95 of confidence: the
bot said « Au revoir » to a person still talking, and in the middle of the BUD check or the employment questions the
goodbye rules closed the form and its answers were lost. A farewell is no question and does not open with « et »
(the follow-ups « et pour Lens ? », « et ensuite ? »): such a message read as `goodbye` becomes `nlu_fallback`,
which asks again (in a form, its question is asked again) instead of leaving.
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
class NotAFarewell(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # intent: the farewell; openers: the first words of a follow-up, never of a farewell
        return {"intent": "goodbye", "openers": ["et"]}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NotAFarewell":
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._opener = re.compile(r"^\W*(?:%s)\b" % "|".join(map(re.escape, config["openers"])))

    def is_no_farewell(self, text: str) -> bool:
        return "?" in text or bool(self._opener.match(fold(text)))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") == self.config["intent"] and self.is_no_farewell(message.get(TEXT) or ""):
                read_as_not_understood(message)
        return messages
