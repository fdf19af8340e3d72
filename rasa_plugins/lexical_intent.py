"""An intent classifier that also picks the FAQ answer: `rasa_plugins.intent_model.IntentModel` in Rasa's graph.

It replaces DIETClassifier and ResponseSelector (issue 9: on the held-out set DIET was below a TF-IDF baseline, and
the two took most of the 8 minutes of training). One logistic regression scores every label, FAQ sub-intents
included; the message then carries what the two Rasa components would have set:
- `intent` and `intent_ranking`, where the FAQ sub-intents count as `faq` (confidence: their summed probability);
- `response_selector` for `faq` (the sub-intent, its share of the FAQ probability as the response confidence, and
  `utter_faq/<name>`), which `actions/faq.py` reads, as it read the ResponseSelector's.
Entities are left to the extractors after it. It needs SpacyNLP (and a tokenizer) before it.
"""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.intent_model import DEFAULTS, SHORT_FORMS_FILE, IntentModel, mask_entities
from rasa_plugins.sentence_encoder import SENTENCE_EMBEDDING

MODEL_FILE = "intent_model.pkl"
RANKING_LENGTH = 10


def _spacy_features(messages: list[Message], vectors: str = "spacy") -> tuple[Optional[np.ndarray], list[str]]:
    """Each message's lemmas, from the spaCy doc SpacyNLP left on it, and its vector: spaCy's mean word vector
    (vectors: spacy), or the sentence embedding `rasa_plugins.sentence_encoder` set on it (vectors:
    sentence_encoder), which that component must then run before this one."""
    if vectors == "sentence_encoder":
        _, lemmas = _spacy_features(messages)
        missing = [m.get(TEXT) for m in messages if m.get(SENTENCE_EMBEDDING) is None]
        if missing:
            raise ValueError("LexicalIntentClassifier (vectors: sentence_encoder) needs "
                             "rasa_plugins.sentence_encoder.SentenceEncoderFeaturizer before it in config.yml")
        return np.vstack([m.get(SENTENCE_EMBEDDING) for m in messages]), lemmas
    rows, lemmas = [], []
    for message in messages:
        doc = message.get(SPACY_DOCS[TEXT])
        if doc is None:
            rows.append(None)
            lemmas.append(message.get(TEXT) or "")
            continue
        rows.append(np.asarray(doc.vector, dtype=np.float32) if doc.vocab.vectors_length else None)
        lemmas.append(" ".join(t.lemma_ or t.text for t in doc))
    if any(r is None for r in rows):
        return None, lemmas
    return np.vstack(rows), lemmas


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LexicalIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # entity_types: the places replaced by their type before classification (found by the extractors placed
        # before this component in config.yml; in training, the annotations of the examples).
        # vectors: « spacy » (SpacyNLP's mean word vectors) or « sentence_encoder » (rasa_plugins.sentence_encoder).
        return {**DEFAULTS, "retrieval_intent": "faq", "entity_types": ["commune", "postal_code", "cite"],
                "vectors": "spacy"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """The code and short forms of the model: Rasa's training cache must not reuse a model of older code."""
        digest = hashlib.sha256()
        here = Path(__file__).parent
        for path in (here / "intent_model.py", here / "lexical_intent.py", SHORT_FORMS_FILE):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[IntentModel] = None, responses: Optional[dict] = None):
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LexicalIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LexicalIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model, responses = pickle.loads((directory / MODEL_FILE).read_bytes())
        except ValueError:  # trained on no data
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, responses)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        model_config = {k: self.config[k] for k in DEFAULTS}
        vectors, lemmas = _spacy_features(examples, self.config["vectors"])
        self.model = IntentModel(model_config).fit([self._text(m) for m in examples], labels, vectors, lemmas)
        prefix = f"{self.config['retrieval_intent']}/"
        self.responses = {label: training_data.responses.get(f"utter_{label}", [])
                          for label in self.model.labels if label.startswith(prefix)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps((self.model, self.responses)))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None or not messages:
            return messages
        vectors, lemmas = _spacy_features(messages, self.config["vectors"])
        proba = self.model.predict_proba([self._text(m) for m in messages], vectors, lemmas)
        for message, row in zip(messages, proba):
            self._set(message, row)
        return messages

    def _text(self, message: Message) -> str:
        return mask_entities(message.get(TEXT) or "", message.get(ENTITIES) or [], self.config["entity_types"])

    def _set(self, message: Message, row: np.ndarray) -> None:
        retrieval = self.config["retrieval_intent"]
        prefix = f"{retrieval}/"
        intents: dict[str, float] = {}
        sub: list[tuple[str, float]] = []
        for label, p in zip(self.model.labels, row):
            name = retrieval if label.startswith(prefix) else label
            intents[name] = intents.get(name, 0.0) + float(p)
            if label.startswith(prefix):
                sub.append((label, float(p)))
        ranking = sorted(({"name": n, "confidence": c} for n, c in intents.items()),
                         key=lambda r: r["confidence"], reverse=True)
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking[:RANKING_LENGTH], add_to_output=True)
        if not sub:
            return
        total = sum(p for _, p in sub) or 1.0
        sub.sort(key=lambda item: item[1], reverse=True)
        best, p = sub[0]
        selector = message.get("response_selector") or {}
        selector["all_retrieval_intents"] = sorted(set(selector.get("all_retrieval_intents", [])) | {retrieval})
        selector[retrieval] = {
            "response": {"responses": self.responses.get(best, []), "confidence": p / total,
                         INTENT_RESPONSE_KEY: best, "utter_action": f"utter_{best}"},
            "ranking": [{"confidence": q / total, INTENT_RESPONSE_KEY: label} for label, q in sub[:RANKING_LENGTH]],
        }
        message.set("response_selector", selector, add_to_output=True)
