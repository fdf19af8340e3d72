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

import unicodedata

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack


SHORT_FORMS_FILE = Path(__file__).with_name("sms_fr.yaml")
_TOKEN = re.compile(r"[a-z0-9]+")
_REPEATED = re.compile(r"([a-z])\1{2,}")

DEFAULTS = {
    "C": 10.0,
    "word_ngrams": 2,
    "char_min": 2,
    "char_max": 5,
    "vector_weight": 1.0,  # 0: no spaCy vectors
    "lemmas": False,  # a third TF-IDF over spaCy's lemmas (« cherchons » → chercher)
    "class_weight": "balanced",
    # Temperature of the probabilities, chosen by a 3-fold cross-validation on the training data (the one that
    # minimises the log-loss): a logistic regression over many labels spreads its probabilities, so without it
    # a right answer often falls under the FallbackClassifier's threshold. False: the raw probabilities.
    "calibrate": True,
    # Train-time copies of each training phrase as residents type them (`augment`): « fold » adds it without
    # accents, « noise » adds `noise_copies` copies with typos (a letter doubled, dropped, swapped or hit next to
    # it on the keyboard). The copies go through every block, the sentence embedding included (encoded by the
    # `encode` function given to fit): USE reads « délégation » and « delegation » differently (cosine 0.75).
    "augment": [],
    "noise_copies": 1,
    "noise_rate": 0.15,  # share of the words (of 4 letters or more) given one typo in a noised copy
    # Class prototypes (`prototype_weight` > 0): each label's mean unit sentence embedding; a message's cosine to
    # each, as a softmax at `prototype_temperature`, blended with the regression's probabilities.
    "prototype_weight": 0.0,
    "prototype_temperature": 0.05,
}
TEMPERATURES = (1.0, 0.8, 0.65, 0.5, 0.4, 0.33, 0.25, 0.2, 0.15)


def fold(text: str) -> str:
    """Lower case, no accents (as `assistant.text.fold`: the Rasa plug-ins do not load the service's package)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=1)
def short_forms() -> dict[str, str]:
    return {fold(str(k)): fold(str(v)) for k, v in yaml.safe_load(SHORT_FORMS_FILE.read_text(encoding="utf-8")).items()}


def mask_entities(text: str, entities: Sequence[dict], types: Sequence[str]) -> str:
    """The text with each place the extractors found (« Lens », « 62300 », « cité Darcy ») replaced by its type:
    « et Carvin ? » and « et Denain ? » read alike, and a commune's letters say nothing of the intent."""
    spans = sorted(((e["start"], e["end"], e["entity"]) for e in entities or []
                    if e.get("entity") in types and e.get("start") is not None and e.get("end") is not None),
                   reverse=True)
    last = len(text) + 1
    for start, end, entity in spans:
        if end <= last:  # overlapping finds (two extractors): keep the first
            text = f"{text[:start]} {entity.replace('_', '')}place {text[end:]}"
            last = start
    return text


def squeeze(text: str) -> str:
    """A letter typed three times or more said once (« ouiii », « nooon », « merciiii »): no French word has a
    letter three times in a row, except « créée » folded (« creee »), read as « cree »."""
    return _REPEATED.sub(lambda m: "ee" if m.group(1) == "e" else m.group(1), text)


_KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn")  # French AZERTY letters, for typos on a neighbour


def _neighbours(letter: str) -> str:
    for row in _KEYBOARD_ROWS:
        i = row.find(letter)
        if i >= 0:
            return row[max(0, i - 1):i] + row[i + 1:i + 2]
    return ""


def noisy(text: str, seed: int, rate: float = 0.15) -> str:
    """The text as typed in a hurry: folded, without apostrophes sometimes, and about `rate` of its words of four
    letters or more given one typo (a letter doubled, dropped, swapped with the next, or its keyboard neighbour).
    The places the extractors masked (« communeplace ») stay whole. Deterministic for a seed."""
    import random
    rng = random.Random(seed)
    words = fold(text).split(" ")
    out = []
    for word in words:
        if len(word) >= 4 and word.isalpha() and not word.endswith("place") and rng.random() < rate:
            i = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(4)
            if kind == 0:
                word = word[:i] + word[i] + word[i:]
            elif kind == 1:
                word = word[:i] + word[i + 1:]
            elif kind == 2:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            else:
                near = _neighbours(word[i])
                if near:
                    word = word[:i] + rng.choice(near) + word[i + 1:]
        out.append(word)
    result = " ".join(out)
    return result.replace("'", " ") if rng.random() < 0.5 else result


def augmented(texts: Sequence[str], kinds: Sequence[str], copies: int = 1, rate: float = 0.15
              ) -> tuple[list[str], list[int]]:
    """The extra training texts of `augment` and, for each, the index of the phrase it copies. A copy equal to its
    phrase (nothing to fold) is not added. The typos of a phrase depend on its text alone (the same copies in any
    subset of the data)."""
    import zlib
    extra, source = [], []
    for i, text in enumerate(texts):
        seen = {text}
        candidates = []
        if "fold" in kinds:
            candidates.append(fold(text))
        if "noise" in kinds:
            seed = zlib.crc32(text.encode("utf-8"))
            candidates += [noisy(text, seed=seed * 31 + k, rate=rate) for k in range(copies)]
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                extra.append(candidate)
                source.append(i)
    return extra, source


def preprocess(text: str) -> str:
    """Folded, apostrophes and punctuation as spaces, letters typed over and over said once, short forms spelled
    out, every number as « num »: which number a resident types (« 300 000 », « 2022 », « 4 ») says nothing of
    what they ask, and a figure quoted in one intent's training phrases must not pull another's answers to it."""
    forms = short_forms()
    return " ".join("num" if t.isdigit() else forms.get(t, t) for t in _TOKEN.findall(squeeze(fold(text))))


class IntentModel:
    def __init__(self, config: Optional[dict] = None):
        self.config = {**DEFAULTS, **(config or {})}
        self.words = None
        self.chars = None
        self.lemma_words = None
        self.temperature = 1.0
        self.vector_width = 0
        self.classifier = None
        self.prototypes = None

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        c = self.config
        words = TfidfVectorizer(ngram_range=(1, int(c["word_ngrams"])), sublinear_tf=True, token_pattern=r"\b\w+\b")
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(int(c["char_min"]), int(c["char_max"])),
                                sublinear_tf=True)
        return words, chars

    def _matrix(self, texts: Sequence[str], vectors: Optional[np.ndarray], fit: bool,
                lemmas: Optional[Sequence[str]] = None):
        clean = [preprocess(t) for t in texts]
        if fit:
            self.words, self.chars = self._vectorizers()
            parts = [self.words.fit_transform(clean), self.chars.fit_transform(clean)]
        else:
            parts = [self.words.transform(clean), self.chars.transform(clean)]
        if fit:
            self.lemma_words = None
        if self.config["lemmas"] and (lemmas is not None if fit else self.lemma_words is not None):
            folded = [preprocess(t) for t in (lemmas if lemmas is not None else texts)]
            if fit:
                from sklearn.feature_extraction.text import TfidfVectorizer
                self.lemma_words = TfidfVectorizer(sublinear_tf=True, token_pattern=r"\b\w+\b")
                parts.append(self.lemma_words.fit_transform(folded))
            else:
                parts.append(self.lemma_words.transform(folded))
        weight = float(self.config["vector_weight"])
        if fit:
            self.vector_width = vectors.shape[1] if weight and vectors is not None else 0
        if self.vector_width and (vectors is None or vectors.shape[1] != self.vector_width):
            vectors = np.zeros((len(texts), self.vector_width), dtype=np.float32)  # no spaCy: no meaning features
        if self.vector_width:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            parts.append(csr_matrix(weight * vectors / norms))
        return hstack(parts).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str], vectors: Optional[np.ndarray] = None,
            lemmas: Optional[Sequence[str]] = None, encode=None) -> "IntentModel":
        """`encode` (texts → one sentence embedding per text, as `vectors` holds them) embeds the augmented copies;
        without it they get their phrase's vector."""
        labels = list(labels)
        texts = list(texts)
        if self.config["calibrate"]:  # on the phrases, the copies made inside each fold (none shared across folds)
            self.temperature = self._cross_validated_temperature(texts, labels, vectors, lemmas, encode)
        kinds = list(self.config["augment"] or [])
        if kinds:
            extra, source = augmented(texts, kinds, int(self.config["noise_copies"]), float(self.config["noise_rate"]))
            if extra:
                if vectors is not None:
                    extra_vectors = encode(extra) if encode is not None else vectors[source]
                    vectors = np.vstack([vectors, np.asarray(extra_vectors, dtype=vectors.dtype)])
                if lemmas is not None:
                    lemmas = list(lemmas) + [lemmas[j] if t == fold(texts[j]) else t for t, j in zip(extra, source)]
                texts = texts + extra
                labels = labels + [labels[j] for j in source]
        X = self._matrix(texts, vectors, fit=True, lemmas=lemmas)
        self.classifier = self._classifier()
        self.classifier.fit(X, labels)
        self.prototypes = None
        if float(self.config["prototype_weight"]) and vectors is not None:
            unit = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            y = np.array(labels)
            rows = np.vstack([unit[y == label].mean(axis=0) for label in self.labels])
            self.prototypes = rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
        return self

    def _classifier(self):
        from sklearn.linear_model import LogisticRegression
        cw = self.config["class_weight"]
        return LogisticRegression(C=float(self.config["C"]), max_iter=3000, class_weight=cw if cw != "none" else None)

    def _cross_validated_temperature(self, texts, labels, vectors, lemmas, encode=None) -> float:
        from collections import Counter
        from sklearn.model_selection import StratifiedKFold
        if min(Counter(labels).values()) < 3:
            return 1.0
        texts, y = list(texts), np.array(labels)
        names = sorted(set(labels))
        log_p = np.zeros((len(texts), len(names)))
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(texts, y):
            fold = IntentModel({**self.config, "calibrate": False})
            fold.fit([texts[i] for i in train], y[train], None if vectors is None else vectors[train],
                     None if lemmas is None else [lemmas[i] for i in train], encode)
            proba = fold.predict_proba([texts[i] for i in test], None if vectors is None else vectors[test],
                                       None if lemmas is None else [lemmas[i] for i in test])
            columns = [names.index(n) for n in fold.labels]
            log_p[np.ix_(test, columns)] = np.log(np.clip(proba, 1e-12, 1.0))
        truth = np.array([names.index(label) for label in labels])

        def loss(t: float) -> float:
            z = log_p / t
            z -= z.max(axis=1, keepdims=True)
            return float(-(z[np.arange(len(truth)), truth] - np.log(np.exp(z).sum(axis=1))).mean())

        return min(TEMPERATURES, key=loss)

    def _coefficients_by_column(self) -> None:
        """The coefficients stored column by column (Fortran order): the sparse product X · coefᵀ then reads them in
        place, where in row order scipy copied the whole matrix (37 × 18,171) at every message (3.1 of 3.4 ms per
        message on the loaded machine; 6 % of the Rasa server's CPU at 50 users). The same numbers, bit for bit."""
        coef = self.classifier.coef_
        if not coef.flags.f_contiguous:
            self.classifier.coef_ = np.asfortranarray(coef)

    def predict_proba(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None,
                      lemmas: Optional[Sequence[str]] = None) -> np.ndarray:
        self._coefficients_by_column()
        proba = self.classifier.predict_proba(self._matrix(texts, vectors, fit=False, lemmas=lemmas))
        prototypes = getattr(self, "prototypes", None)  # models pickled before prototypes existed
        if prototypes is not None and vectors is not None and vectors.shape[1] == prototypes.shape[1]:
            unit = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            z = unit @ prototypes.T / float(self.config["prototype_temperature"])
            z = np.exp(z - z.max(axis=1, keepdims=True))
            w = float(self.config["prototype_weight"])
            proba = (1 - w) * proba + w * z / z.sum(axis=1, keepdims=True)
        if self.temperature == 1.0:
            return proba
        z = np.log(np.clip(proba, 1e-12, 1.0)) / self.temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.classes_)

    def predict(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None,
                lemmas: Optional[Sequence[str]] = None) -> list[str]:
        proba = self.predict_proba(texts, vectors, lemmas)
        return [self.labels[i] for i in proba.argmax(axis=1)]
