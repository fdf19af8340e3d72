"""The intent model scores a message without copying its coefficient matrix, with the same probabilities."""
from __future__ import annotations

import copy

import numpy as np

from rasa_plugins.intent_model import IntentModel

DATA = {
    "greet": ["bonjour", "salut", "coucou", "bonsoir", "hello", "bonjour a vous"],
    "thank": ["merci", "merci beaucoup", "je vous remercie", "merci bien", "super merci", "merci pour tout"],
    "bud": ["lens est en zone bud", "douai bud", "le bud a carvin", "zone bud harnes", "avion bud ?", "bud lievin"],
}


def test_probabilities_are_bit_for_bit_those_of_the_row_ordered_model():
    texts = [t for ts in DATA.values() for t in ts]
    labels = [label for label, ts in DATA.items() for _ in ts]
    rng = np.random.default_rng(0)
    vectors = rng.random((len(texts), 20)).astype(np.float32)
    model = IntentModel({"vector_weight": 1.0, "calibrate": True}).fit(texts, labels, vectors, texts)
    assert not model.classifier.coef_.flags.f_contiguous  # as trained (a view) and as stored (row order)
    before = copy.deepcopy(model)
    probe = ["bonjour lens", "merci bud", "zone", "xyz", "salut merci"]
    probe_vectors = rng.random((len(probe), 20)).astype(np.float32)
    ours = np.vstack([model.predict_proba([t], probe_vectors[i:i + 1], [t]) for i, t in enumerate(probe)])
    assert model.classifier.coef_.flags.f_contiguous
    reference = before.classifier.predict_proba(before._matrix(probe, probe_vectors, fit=False, lemmas=probe))
    if before.temperature != 1.0:
        z = np.log(np.clip(reference, 1e-12, 1.0)) / before.temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        reference = z / z.sum(axis=1, keepdims=True)
    assert not before.classifier.coef_.flags.f_contiguous  # the reference really took the copying path
    assert np.array_equal(ours, reference)
    assert np.array_equal(model.classifier.coef_, before.classifier.coef_)
