"""An NLU entity extractor that reads a misspelt commune (« wallerz », « et a courieres ») as a place to resolve.

The lookup tables find a commune only as it is spelt, and the CRF only where the sentence looks like its training
examples. A close spelling the extractors miss stays a word the classifier has never seen, and the sentence
encoders then read « et a lievn » like « a demain »: the bot answered « Au revoir » to a resident naming a
commune. This component marks such a word as a `commune` entity, so that the classifier reads « et <commune> »
and the actions resolve it: the programme-data service decides, as for any other name, whether it is a close
spelling to ask back (« Vouliez-vous dire Liévin ? ») or no commune at all (actions/places.py, `resolve_place`).

A word is read so only when nothing else knows it: spaCy's French vectors do not, the training phrases (places
left out) do not, and no extractor found a place there. It must be within `edits` typing edits (transposition
included) of a word of a commune's name that can only mean a place (« lievin », « wallers », « auchy »; not
« saint », « villers », « grand »): `edits` for names shorter than `long_name`, one more beyond.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Optional

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.gibberish import fold

_WORD = re.compile(r"[^\W\d_]+")
WORDS_FILE = "place_spelling.json"


def _without_entities(text: str, entities: list[dict]) -> str:
    for entity in sorted(entities or [], key=lambda e: e.get("start", 0), reverse=True):
        if entity.get("start") is not None and entity.get("end") is not None:
            text = text[:entity["start"]] + " " + text[entity["end"]:]
    return text


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class ClosePlaceSpelling(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # lookup: the table of commune names; min_length: shorter words are never read as a place (« lans »
        # would be too close to too much); edits / long_name: how far a typed word may be from a name's word;
        # links: the words that join the parts of a name (« noyelle sous lens » is one place, not Lens).
        return {"lookup": "commune", "entity": "commune", "min_length": 5, "edits": 1, "long_name": 10,
                "links": ["sous", "sur", "les", "lès", "lez", "en", "la", "le", "au", "aux", "de", "du", "des",
                          "saint", "sainte", "st", "ste"]}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """This code: another reading of the words must not come from Rasa's training cache."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[set[str]] = None, name_words: Optional[list[str]] = None):
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()
        self.name_words = name_words or []

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ClosePlaceSpelling":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ClosePlaceSpelling":
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / WORDS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):  # nothing was stored (no training data)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, set(stored["vocabulary"]), stored["name_words"])

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            text = _without_entities(example.get(TEXT) or "", example.get(ENTITIES) or [])
            vocabulary |= {fold(w) for w in _WORD.findall(text)}
        names = [element for table in training_data.lookup_tables if table.get("name") == self.config["lookup"]
                 for element in table.get("elements", [])]
        self.vocabulary = vocabulary
        self.name_words = proper_name_words(names, vocabulary, self.config["min_length"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / WORDS_FILE).write_text(
                json.dumps({"vocabulary": sorted(self.vocabulary), "name_words": self.name_words}), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training phrases carry their places as annotated

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = self.places(message)
            if found:
                message.set(ENTITIES, self.joined(message.get(TEXT) or "", message.get(ENTITIES) or [], found),
                            add_to_output=True)
        return messages

    def joined(self, text: str, entities: list[dict], found: list[dict]) -> list[dict]:
        """The message's entities with the close spellings `found`, each joined to the commune next to it when
        only the words that link a name's parts lie between (« noyelle sous lens »: one place, « Lens » no more)."""
        links = {fold(w) for w in self.config["links"]}
        communes = [e for e in entities if e.get("entity") == self.config["entity"] and e.get("start") is not None
                    and e.get("end") is not None]
        others = [e for e in entities if e not in communes]
        spans = sorted(communes + found, key=lambda e: (e["start"], e["end"]))
        merged: list[dict] = []
        for span in spans:
            last = merged[-1] if merged else None
            if last and last.get("extractor") == self.__class__.__name__ and span["end"] <= last["end"]:
                continue  # inside a place just joined (the same « lens » from two extractors)
            between = text[last["end"]:span["start"]] if last and span["start"] >= last["end"] else None
            if (between is not None and (span in found or last.get("extractor") == self.__class__.__name__)
                    and all(fold(w) in links for w in _WORD.findall(between))
                    and not re.search(r"[^\w\s'’-]", between)):
                start = last["start"]
                merged[-1] = {"entity": self.config["entity"], "start": start, "end": span["end"],
                              "value": text[start:span["end"]], "extractor": self.__class__.__name__}
            else:
                merged.append(span)
        return others + merged

    def places(self, message: Message) -> list[dict]:
        """The entities for the words of the message that are close spellings of a commune's name."""
        text = message.get(TEXT) or ""
        if not self.name_words or text.startswith("/"):
            return []
        doc = message.get(SPACY_DOCS[TEXT])
        with_vectors = {t.text.lower() for t in doc if t.has_vector} if doc is not None else set()
        taken = [(e["start"], e["end"]) for e in message.get(ENTITIES) or []
                 if e.get("start") is not None and e.get("end") is not None]
        found = []
        for match in _WORD.finditer(text):
            word, start, end = fold(match.group()), match.start(), match.end()
            if (len(word) < self.config["min_length"] or word in self.vocabulary
                    or match.group().lower() in with_vectors or any(s < end and start < e for s, e in taken)):
                continue
            if self._close_to_a_name(word):
                found.append({"entity": self.config["entity"], "start": start, "end": end, "value": match.group(),
                              "extractor": self.__class__.__name__})
        return found

    def _close_to_a_name(self, word: str) -> bool:
        def allowed(name_word: str) -> int:
            return self.config["edits"] + (len(name_word) >= self.config["long_name"])
        widest = self.config["edits"] + 1
        for name_word, distance, _ in process.extract(word, self.name_words, scorer=DamerauLevenshtein.distance,
                                                      score_cutoff=widest, limit=None):
            if distance <= allowed(name_word):
                return True
        return False


def proper_name_words(names: list[str], vocabulary: set[str], min_length: int) -> list[str]:
    """The words of commune names a misspelling of which can only mean a commune: a commune's whole name
    (« lievin », « bethune », also part of other names), or a part of names that is no word of the training
    phrases (« grand », « mines ») nor common to many names (« saint », « villers », « escaut »: in COMMON_PART
    names or more)."""
    in_names: dict[str, set[str]] = {}
    whole: set[str] = set()
    for name in names:
        words = [fold(w) for w in _WORD.findall(name)]
        whole |= set(words) if len(words) == 1 else set()
        for word in words:
            in_names.setdefault(word, set()).add(" ".join(words))
    return sorted(w for w, named in in_names.items() if len(w) >= min_length
                  and (w in whole or len(named) < COMMON_PART and w not in vocabulary))


COMMON_PART = 5  # « auchy » (4 names) may still be a place to ask about; « sains » (5) is part of names
