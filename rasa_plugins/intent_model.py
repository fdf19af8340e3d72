"""The intent model of `rasa_plugins.lexical_intent.LexicalIntentClassifier`, kept free of Rasa so that the bench
cross-validates exactly what the assistant runs (bench/nlu_compare.py --cv).

A message is folded (lower case, no accents), its short forms expanded (« bjr » → bonjour, rasa_plugins/sms_fr.yaml),
then read three ways: TF-IDF of words and word pairs, TF-IDF of character 2-5 grams inside words (robust to typos
and missing accents), and the mean of spaCy's French word vectors (meaning: « boulot » near « emploi », which lets
few examples generalise). A logistic regression over the three gives one probability per label, FAQ sub-intents
(`faq/bud_duration`) being labels like the others.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack

from assistant.text import fold

SHORT_FORMS_FILE = Path(__file__).with_name("sms_fr.yaml")
_TOKEN = re.compile(r"[a-z0-9]+")

DEFAULTS = {
    "C": 10.0,
    "word_ngrams": 2,
    "char_min": 2,
    "char_max": 5,
    "vector_weight": 1.0,  # 0: no spaCy vectors
    "class_weight": "balanced",
}


@lru_cache(maxsize=1)
def short_forms() -> dict[str, str]:
    return {fold(str(k)): fold(str(v)) for k, v in yaml.safe_load(SHORT_FORMS_FILE.read_text(encoding="utf-8")).items()}


def preprocess(text: str) -> str:
    """Folded, apostrophes and punctuation as spaces, short forms spelled out."""
    forms = short_forms()
    return " ".join(forms.get(t, t) for t in _TOKEN.findall(fold(text)))


class IntentModel:
    def __init__(self, config: Optional[dict] = None):
        self.config = {**DEFAULTS, **(config or {})}
        self.words = None
        self.chars = None
        self.classifier = None

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        c = self.config
        words = TfidfVectorizer(ngram_range=(1, int(c["word_ngrams"])), sublinear_tf=True, token_pattern=r"\b\w+\b")
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(int(c["char_min"]), int(c["char_max"])),
                                sublinear_tf=True)
        return words, chars

    def _matrix(self, texts: Sequence[str], vectors: Optional[np.ndarray], fit: bool):
        clean = [preprocess(t) for t in texts]
        if fit:
            self.words, self.chars = self._vectorizers()
            parts = [self.words.fit_transform(clean), self.chars.fit_transform(clean)]
        else:
            parts = [self.words.transform(clean), self.chars.transform(clean)]
        weight = float(self.config["vector_weight"])
        if weight and vectors is not None:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            parts.append(csr_matrix(weight * vectors / norms))
        return hstack(parts).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str], vectors: Optional[np.ndarray] = None) -> "IntentModel":
        from sklearn.linear_model import LogisticRegression
        X = self._matrix(texts, vectors, fit=True)
        cw = self.config["class_weight"]
        self.classifier = LogisticRegression(C=float(self.config["C"]), max_iter=3000,
                                             class_weight=cw if cw != "none" else None)
        self.classifier.fit(X, list(labels))
        return self

    def predict_proba(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None) -> np.ndarray:
        return self.classifier.predict_proba(self._matrix(texts, vectors, fit=False))

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.classes_)

    def predict(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None) -> list[str]:
        proba = self.predict_proba(texts, vectors)
        return [self.labels[i] for i in proba.argmax(axis=1)]
