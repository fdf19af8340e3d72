"""An NLU entity extractor for a place named in a question about places that no other extractor read.

« Trifouillis-les-Oies est en zone BUD ? »: the lookups know only the communes of the Nord and the Pas-de-Calais,
and whether the CRF reads an unknown name as a place changes with any new training phrase (it lost it twice in
December 2026, each time for phrases of another intent). The bot then asked « De quelle commune parlez-vous ? » to a
person who had just named one, and the insights never counted the commune it does not know. spaCy's French
named-entity recogniser (part of the spaCy model SpacyNLP loads, trained on other texts than ours) tags such a name
LOC. It is run here, on demand, only for a place question that names no place: the Rasa server keeps the `ner` pipe
disabled for every other message (rasa_plugins/spacy_once.py).

So, after the intent classifier: when the message is a question about a place (`intents`) and holds no place yet,
each LOC span becomes a `commune` entity, which the actions resolve like any other name (the programme-data service
says « je ne trouve pas de commune … » or asks back a close spelling). The intent is never changed: the classifier
has already read the message.

Names of regions and departments are no commune to look up, whatever the intent: a commune the lookups read inside
one is dropped too (« je cherche du travail dans le Pas-de-Calais » is not about Calais). They are data, read by the
programme-data service too: data/programme/not_communes.txt (`not_communes`, from the project's root).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.gibberish import fold

ROOT = Path(__file__).resolve().parent.parent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False, model_from="SpacyNLP")
class NamedPlace(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # intents: the questions about a place; places: the entities that already name one; labels: spaCy's
        # labels for a place; not_communes: the file of the places that are no commune.
        return {"entity": "commune", "intents": ["ask_bud_commune", "ask_cites_commune"],
                "places": ["commune", "postal_code", "cite"], "labels": ["LOC"],
                "not_communes": "data/programme/not_communes.txt"}

    def __init__(self, config: dict[str, Any]):
        self.config = config
        lines = (ROOT / config["not_communes"]).read_text(encoding="utf-8").splitlines()
        self._not_communes = {_key(line) for line in lines if line.strip() and not line.startswith("#")}
        self._region_names = re.compile(r"\b(?:%s)\b" % "|".join(
            r"[\s-]+".join(map(re.escape, name.split())) for name in sorted(self._not_communes, key=len, reverse=True)))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NamedPlace":
        return cls(config)

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = self.outside_regions(message.get(TEXT) or "", entities)
            found = self.places(message, kept, model)
            if found or len(kept) < len(entities):
                message.set(ENTITIES, kept + found, add_to_output=True)
        return messages

    def outside_regions(self, text: str, entities: list[dict]) -> list[dict]:
        """The entities, less the communes read inside the name of a region or a department (« Calais » in
        « Pas-de-Calais », « nord » read as a place)."""
        regions = self._region_spans(text)
        return [e for e in entities if not (
            e.get("entity") == self.config["entity"] and e.get("start") is not None
            and any(start <= e["start"] and e["end"] <= end for start, end in regions))]

    def _region_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text names a region or a department (« pas de calais »); none when folding moved the offsets
        (a ligature spelled out), so nothing is dropped by mistake."""
        folded = fold(text)
        return [m.span() for m in self._region_names.finditer(folded)] if len(folded) == len(text) else []

    def places(self, message: Message, entities: list[dict], model: SpacyModel) -> list[dict]:
        """The LOC spans of a place question whose `entities` name no place yet, as `commune` entities."""
        text = message.get(TEXT) or ""
        intent = (message.get(INTENT) or {}).get("name")
        doc = message.get(SPACY_DOCS[TEXT])
        if (doc is None or text.startswith("/") or intent not in self.config["intents"]
                or any(e.get("entity") in self.config["places"] for e in entities)):
            return []
        found = []
        regions = self._region_spans(text)
        for span in model.model.get_pipe("ner")(doc.copy()).ents:  # the pipe, enabled or not
            start, end = span.start_char, span.end_char
            value = text[start:end].strip(" ,.;:!?'’\"«»")
            inside_a_region = any(begin <= start and end <= finish for begin, finish in regions)  # « pas de [calais] »
            if (span.label_ in self.config["labels"] and value and _key(value) not in self._not_communes
                    and not inside_a_region):
                start = text.index(value, start)
                found.append({"entity": self.config["entity"], "start": start, "end": start + len(value),
                              "value": value, "extractor": self.__class__.__name__})
        return found


def _key(name: str) -> str:
    return " ".join(fold(name).replace("-", " ").split())
